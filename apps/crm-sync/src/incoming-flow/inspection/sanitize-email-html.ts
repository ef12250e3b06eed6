import sanitizeHtml from 'sanitize-html';


/**
 * The longest HTML body (in characters) that is sanitised: anything after it is cut off
 * before parsing, so one huge message cannot hold the consumer for long. 2 MiB covers any
 * ordinary newsletter; the raw message stays in the object store untouched.
 */
export const MAX_SANITIZED_HTML_LENGTH = 2 * 1024 * 1024;
/** Deeper nesting than this is dropped (deeply nested markup is an attack, not a layout). */
const NESTING_LIMIT = 256;
/**
 * HTML nested deeper than this is not sanitised as markup but kept as its text: sanitize-html
 * is quadratic in the nesting (100,000 nested <div>s held the event loop for 10 s) whatever its
 * nestingLimit, and mailparser makes no text from HTML nested deeper than 1,000 either.
 */
export const MAX_HTML_NESTING = 1000;
/** Elements that never nest (void) or that the parser closes by itself: they add no depth. */
const NO_DEPTH = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'option', 'html', 'head', 'body',
]);
const LINK_SCHEME = /^(?:https?|mailto|tel):/i;
const LINK_REL = 'noopener noreferrer nofollow';

const FORMATTING_TAGS = [
  'a', 'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'main', 'mark', 'ol',
  'p', 'pre', 'q', 's', 'samp', 'section', 'small', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr',
];

/** Elements dropped together with everything inside them (their text is not content). */
const DROPPED_WITH_CONTENT = [
  'script', 'style', 'head', 'title', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg',
  'math', 'xml', 'noscript', 'noembed', 'noframes', 'textarea', 'select', 'option', 'xmp', 'plaintext', 'canvas', 'audio', 'video',
];

const TABLE_LAYOUT = ['align', 'valign', 'width', 'height', 'bgcolor', 'border', 'cellpadding', 'cellspacing', 'colspan', 'rowspan', 'nowrap'];

const COLOR = /^(?:#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\(\s*[\d.]+%?\s*,\s*[\d.]+%?\s*,\s*[\d.]+%?\s*(?:,\s*[\d.]+%?\s*)?\))$/i;
const LENGTH = /^(?:(?:-?\d*\.?\d+(?:px|pt|em|rem|ex|%|cm|mm|in)?|auto)\s*){1,4}$/i;
const BORDER = /^(?:(?:\d*\.?\d+(?:px|pt|em)?|thin|medium|thick|solid|dashed|dotted|double|none|hidden|groove|ridge|inset|outset|#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\([\d.,\s%]+\))\s*){1,3}$/i;
const KEYWORD = /^[a-z-]{1,30}$/i;
const FONT_FAMILY = /^[\w\s,'"-]{1,200}$/;
const FONT_SIZE = /^(?:\d*\.?\d+(?:px|pt|em|rem|%)?|xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger)$/i;

/** Inline CSS that carries formatting and nothing else: no url(), no expression(), no behavior. */
const ALLOWED_STYLES: Record<string, RegExp[]> = {
  color: [COLOR], 'background-color': [COLOR], background: [COLOR],
  'font-family': [FONT_FAMILY], 'font-size': [FONT_SIZE], 'font-weight': [/^(?:normal|bold|bolder|lighter|[1-9]00)$/i],
  'font-style': [/^(?:normal|italic|oblique)$/i], 'line-height': [LENGTH, /^\d*\.?\d+$/], 'letter-spacing': [LENGTH],
  'text-align': [/^(?:left|right|center|justify|start|end)$/i], 'text-decoration': [/^(?:none|underline|overline|line-through)$/i],
  'text-transform': [KEYWORD], 'vertical-align': [KEYWORD, LENGTH], 'white-space': [KEYWORD], 'word-break': [KEYWORD],
  width: [LENGTH], height: [LENGTH], 'max-width': [LENGTH], 'min-width': [LENGTH], 'max-height': [LENGTH],
  margin: [LENGTH], 'margin-top': [LENGTH], 'margin-right': [LENGTH], 'margin-bottom': [LENGTH], 'margin-left': [LENGTH],
  padding: [LENGTH], 'padding-top': [LENGTH], 'padding-right': [LENGTH], 'padding-bottom': [LENGTH], 'padding-left': [LENGTH],
  border: [BORDER], 'border-top': [BORDER], 'border-right': [BORDER], 'border-bottom': [BORDER], 'border-left': [BORDER],
  'border-color': [COLOR], 'border-width': [LENGTH], 'border-style': [KEYWORD], 'border-collapse': [KEYWORD],
  'border-radius': [LENGTH], 'border-spacing': [LENGTH], display: [/^(?:block|inline|inline-block|none|table|table-cell|table-row)$/i],
};

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: FORMATTING_TAGS,
  nonTextTags: DROPPED_WITH_CONTENT,
  disallowedTagsMode: 'discard',
  allowedAttributes: {
    '*': ['style', 'dir', 'lang', 'title', 'align'],
    a: ['href', 'rel', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'face', 'size'],
    table: TABLE_LAYOUT, td: TABLE_LAYOUT, th: TABLE_LAYOUT, tr: TABLE_LAYOUT, col: ['span', 'width'], colgroup: ['span', 'width'],
    ol: ['start', 'type'], ul: ['type'], li: ['value'], blockquote: ['cite'], q: ['cite'], time: ['datetime'],
  },
  allowedStyles: { '*': ALLOWED_STYLES },
  // Links may go to the web, mail and phone; images only to the message's own parts (cid:).
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  allowedIframeHostnames: [],
  nestingLimit: NESTING_LIMIT,
  transformTags: { img: remoteImageToLink, a: safeLink },
  // An image whose source was refused is nothing to show.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && !frame.attribs.href,
};

/**
 * Makes an e-mail's HTML safe to store and show in the CRM: only formatting, tables, links
 * and inline (cid:) images survive; scripts, frames, plugins, forms, event handlers,
 * javascript:/vbscript:/data: URLs and CSS beyond plain formatting are removed. Remote
 * images (http/https) become links with their alt text, so opening a message never tells
 * the sender it was read. Input longer than MAX_SANITIZED_HTML_LENGTH is cut off first.
 */
export function sanitizeEmailHtml(html: string): string {
  if (typeof html !== 'string' || html.length === 0) return '';
  const bounded = html.length > MAX_SANITIZED_HTML_LENGTH ? html.slice(0, MAX_SANITIZED_HTML_LENGTH) : html;
  if (htmlNestingDepth(bounded, MAX_HTML_NESTING) > MAX_HTML_NESTING) return `<p>${escapeText(htmlText(bounded))}</p>`;
  return sanitizeHtml(bounded, OPTIONS);
}

/**
 * How deep the elements of `html` nest, counted in one pass (an upper bound: every start tag
 * of an element that can hold others opens a level, every end tag closes one); stops past `stopAt`.
 */
export function htmlNestingDepth(html: string, stopAt = Infinity): number {
  let depth = 0;
  let max = 0;
  // The next '>' at or after the tag name, found again only once passed: the pass stays linear.
  let gt = -2;
  for (let i = html.indexOf('<'); i !== -1 && max <= stopAt; i = html.indexOf('<', i + 1)) {
    const closing = html[i + 1] === '/';
    let end = i + (closing ? 2 : 1);
    while (end < html.length && end - i < 16 && /[a-zA-Z0-9]/.test(html[end])) end++;
    const name = html.slice(i + (closing ? 2 : 1), end).toLowerCase();
    if (!/^[a-z]/.test(name) || NO_DEPTH.has(name)) continue;
    if (closing) depth = Math.max(0, depth - 1);
    else {
      if (gt !== -1 && gt < end) gt = html.indexOf('>', end);
      if (!(gt > 0 && html[gt - 1] === '/')) max = Math.max(max, ++depth);
    }
  }
  return max;
}

/** The text of `html`, tags left out, in one pass (no regular expression that could backtrack). */
function htmlText(html: string): string {
  let out = '';
  let from = 0;
  for (let lt = html.indexOf('<'); lt !== -1; lt = html.indexOf('<', from)) {
    out += html.slice(from, lt);
    const gt = html.indexOf('>', lt);
    if (gt === -1) return out;
    from = gt + 1;
  }
  return out + html.slice(from);
}

/** No markup survives (entities stay entities: the text came out of HTML). */
function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s+/g, ' ').trim();
}

function remoteImageToLink(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const src = (attribs.src ?? '').trim();
  if (/^https?:\/\//i.test(src)) {
    const alt = (attribs.alt ?? '').trim();
    return { tagName: 'a', attribs: { href: src, rel: LINK_REL, target: '_blank' }, text: alt || 'image' };
  }
  if (/^cid:/i.test(src)) return { tagName, attribs };
  const { src: _refused, ...rest } = attribs;
  return { tagName, attribs: rest };
}

/** Only absolute web, mail and phone links survive (a relative link would point into the CRM itself). */
function safeLink(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const { rel: _rel, target: _target, href, ...rest } = attribs;
  const safe = typeof href === 'string' && LINK_SCHEME.test(href.trim());
  return { tagName, attribs: safe ? { ...rest, href: href.trim(), rel: LINK_REL, target: '_blank' } : rest };
}
