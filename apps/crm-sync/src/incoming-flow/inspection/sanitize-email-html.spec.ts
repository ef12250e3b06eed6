import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlNestingDepth, MAX_HTML_NESTING, MAX_SANITIZED_HTML_LENGTH, sanitizeEmailHtml } from './sanitize-email-html';
import { XSS_VECTORS } from './fixtures/xss-vectors';

const FORBIDDEN_TAGS = new Set([
  'script', 'style', 'iframe', 'frame', 'object', 'embed', 'applet', 'form', 'input', 'button', 'svg', 'math', 'meta', 'base', 'link',
  'textarea', 'noscript', 'template', 'video', 'audio', 'source', 'xmp', 'html', 'head', 'body', 'animate', 'set', 'mglyph',
]);
const FORBIDDEN_ATTRIBUTES = new Set(['srcdoc', 'formaction', 'action', 'background', 'poster', 'xlink:href', 'http-equiv', 'content', 'values', 'attributename']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite']);
const SAFE_URL = /^(?:https?:|mailto:|tel:|cid:)/i;

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_m, dec: string) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every way the output could still execute something, as a list of findings (empty = safe). */
function executableContent(output: string): string[] {
  const findings: string[] = [];
  // sanitize-html escapes every '<' of text, so each '<' left in the output opens a real tag.
  for (const tag of output.match(/<[^>]*>?/g) ?? []) {
    const name = /^<\/?\s*([^\s/>]+)/.exec(tag)?.[1]?.toLowerCase() ?? '';
    if (FORBIDDEN_TAGS.has(name) || name.startsWith('!') || name.startsWith('?')) findings.push(`tag ${tag}`);
    for (const attr of tag.matchAll(/\s([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      const attrName = attr[1].toLowerCase();
      const value = decodeEntities((attr[2] ?? '').replace(/^["']|["']$/g, ''));
      const squashed = value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (attrName.startsWith('on')) findings.push(`event handler ${attr[0]}`);
      if (FORBIDDEN_ATTRIBUTES.has(attrName)) findings.push(`attribute ${attr[0]}`);
      if (URL_ATTRIBUTES.has(attrName) && !SAFE_URL.test(value.trim())) findings.push(`url ${attr[0]}`);
      if (/javascript:|vbscript:|livescript:|data:|expression\(|url\(|behavior|binding|\\/.test(squashed)) findings.push(`value ${attr[0]}`);
    }
  }
  if (/<\s*script/i.test(output)) findings.push('<script');
  return findings;
}

describe('sanitizeEmailHtml: XSS corpus', () => {
  it('has at least 30 vectors', () => expect(XSS_VECTORS.length).toBeGreaterThanOrEqual(30));

  it.each(XSS_VECTORS.map((v) => [v.name, v.html]))('%s: stored output has no executable content', (_name, html) => {
    const output = sanitizeEmailHtml(html);
    expect(executableContent(output)).toEqual([]);
    // Stable under a second pass: nothing the first pass wrote re-parses into something new (mXSS).
    expect(sanitizeEmailHtml(output)).toBe(output);
  });

  it('the checker itself flags executable content (the tests above can fail)', () => {
    expect(executableContent('<img src=x onerror=alert(1)>')).not.toEqual([]);
    expect(executableContent('<a href="jav&#x09;ascript:alert(1)">x</a>')).not.toEqual([]);
    expect(executableContent('<div style="width:expression(alert(1))">x</div>')).not.toEqual([]);
    expect(executableContent('<iframe srcdoc="x"></iframe>')).not.toEqual([]);
    expect(executableContent('<p>javascript: is only text here</p>')).toEqual([]);
  });

  it('keeps the harmless parts around a vector', () => {
    expect(sanitizeEmailHtml('<p>before</p><script>alert(1)</script><p>after</p>')).toBe('<p>before</p><p>after</p>');
    expect(sanitizeEmailHtml('<a href="https://ok.example" onclick="steal()">ok</a>')).toBe('<a href="https://ok.example" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(sanitizeEmailHtml('<div style="width: expression(alert(1)); color: red">x</div>')).toBe('<div style="color:red">x</div>');
  });
});

describe('sanitizeEmailHtml: ordinary mail', () => {
  const newsletter = sanitizeEmailHtml(readFileSync(join(__dirname, 'fixtures', 'newsletter.html'), 'utf8'));

  it('keeps formatting, tables, lists, links and plain inline CSS of a benign newsletter', () => {
    expect(newsletter).toContain('<table width="600" cellpadding="0" cellspacing="0" border="0" align="center" style="background-color:#ffffff;border:1px solid #dddddd">');
    expect(newsletter).toContain('<td style="padding:20px;font-family:Arial, Helvetica, sans-serif;color:#333333">');
    expect(newsletter).toContain('<h1 style="font-size:24px;color:#0a66c2">November product update</h1>');
    expect(newsletter).toContain('<p>Hello <strong>Dana</strong>, here is what is <em>new</em> this month:</p>');
    expect(newsletter).toContain('<li>Faster <b>search</b></li>');
    expect(newsletter).toContain('<th colspan="2">Plan</th>');
    expect(newsletter).toContain('<blockquote style="border-left:3px solid #cccccc;padding-left:10px">Quoted text</blockquote>');
    expect(newsletter).toContain('<a href="https://www.contoso.example/whats-new" rel="noopener noreferrer nofollow" target="_blank">Read more</a>');
    expect(newsletter).toContain('<a href="mailto:news@contoso.example"');
    expect(executableContent(newsletter)).toEqual([]);
  });

  it('turns remote images into links with their alt text and keeps inline (cid:) images', () => {
    expect(newsletter).toContain('<a href="https://cdn.contoso.example/banner.png" rel="noopener noreferrer nofollow" target="_blank">Contoso banner</a>');
    expect(newsletter).not.toMatch(/<img[^>]+src="https?:/);
    expect(newsletter).toContain('<img src="cid:logo@contoso" alt="Contoso logo" width="120" height="40" />');
    expect(sanitizeEmailHtml('<img src="http://t.example/p.gif">')).toBe('<a href="http://t.example/p.gif" rel="noopener noreferrer nofollow" target="_blank">image</a>');
  });

  it('drops the head, its title and its style sheet', () => {
    expect(newsletter).not.toContain('November update');
    expect(newsletter).not.toContain('.btn');
  });

  it(`cuts input longer than ${MAX_SANITIZED_HTML_LENGTH} characters before parsing`, () => {
    const html = `<p>${'a'.repeat(MAX_SANITIZED_HTML_LENGTH)}</p><p>TAIL</p>`;
    const output = sanitizeEmailHtml(html);
    expect(output.startsWith('<p>aaa')).toBe(true);
    expect(output).not.toContain('TAIL');
    expect(output.length).toBeLessThanOrEqual(MAX_SANITIZED_HTML_LENGTH + 20);
  });

  it('survives absurd nesting and empty input', () => {
    expect(sanitizeEmailHtml(`${'<div>'.repeat(5000)}deep${'</div>'.repeat(5000)}`)).not.toContain('<script');
    expect(sanitizeEmailHtml('')).toBe('');
  });

  it(`keeps HTML nested deeper than ${MAX_HTML_NESTING} levels as its text, quickly (sanitize-html is quadratic in the nesting)`, () => {
    const started = Date.now();
    const output = sanitizeEmailHtml(`${'<div>'.repeat(100_000)}deep <b>&amp;</b> <script>x</script>${'</div>'.repeat(100_000)}`);
    expect(output).toBe('<p>deep &amp; x</p>');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(htmlNestingDepth('<div><p>a<p>b<br><img src=x/><span/><ul><li>1<li>2</ul></div>')).toBe(2);
    expect(htmlNestingDepth('<a'.repeat(100_000), 10)).toBe(11);
  });
});
