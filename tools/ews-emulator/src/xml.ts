/**
 * A small XML reader for the SOAP requests the EWS EMULATOR receives. Namespaces are resolved by
 * prefix to their URI (EWS element names are only unique with the namespace: m:Items vs t:Items
 * do not clash, but a request using other prefixes than ews-javascript-api's must still parse).
 */

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Namespace URI ('' when none). */
  ns: string;
  /** Attributes by local name (xmlns declarations excluded). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content directly inside this element (entities decoded). */
  text: string;
}

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  autodiscover: 'http://schemas.microsoft.com/exchange/2010/Autodiscover',
  addressing: 'http://www.w3.org/2005/08/addressing',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

export class XmlParseError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? whole;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Frame {
  el: XmlElement;
  qname: string;
  scope: Record<string, string>;
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses a whole document and returns its root element; throws XmlParseError naming the problem. */
export function parseXml(doc: string): XmlElement {
  const stack: Frame[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const textEnd = lt < 0 ? doc.length : lt;
    if (textEnd > i && stack.length) stack[stack.length - 1].el.text += decodeEntities(doc.slice(i, textEnd));
    if (lt < 0) break;
    if (doc.startsWith('<?', lt)) { i = skipTo(doc, '?>', lt); continue; }
    if (doc.startsWith('<!--', lt)) { i = skipTo(doc, '-->', lt); continue; }
    if (doc.startsWith('<![CDATA[', lt)) {
      const end = skipTo(doc, ']]>', lt);
      if (stack.length) stack[stack.length - 1].el.text += doc.slice(lt + 9, end - 3);
      i = end;
      continue;
    }
    if (doc.startsWith('<!', lt)) { i = skipTo(doc, '>', lt); continue; }
    TAG.lastIndex = lt;
    const m = TAG.exec(doc);
    if (!m) throw new XmlParseError(`malformed XML at offset ${lt}: ${JSON.stringify(doc.slice(lt, lt + 40))}`);
    i = TAG.lastIndex;
    const [, closing, qname, rawAttrs, selfClosing] = m;
    if (closing) {
      const top = stack.pop();
      if (!top || top.qname !== qname) throw new XmlParseError(`unexpected </${qname}> at offset ${lt}${top ? ` (open element is <${top.qname}>)` : ''}`);
      continue;
    }
    const frame = openElement(qname, rawAttrs, stack.length ? stack[stack.length - 1].scope : {});
    if (stack.length) stack[stack.length - 1].el.children.push(frame.el);
    else if (root) throw new XmlParseError('more than one root element');
    else root = frame.el;
    if (!selfClosing) stack.push(frame);
  }
  if (stack.length) throw new XmlParseError(`unclosed element <${stack[stack.length - 1].qname}>`);
  if (!root) throw new XmlParseError('no root element');
  return root;
}

function skipTo(doc: string, marker: string, from: number): number {
  const end = doc.indexOf(marker, from);
  if (end < 0) throw new XmlParseError(`unterminated markup at offset ${from}`);
  return end + marker.length;
}

function openElement(qname: string, rawAttrs: string, parentScope: Record<string, string>): Frame {
  const scope = { ...parentScope };
  const raw: [string, string][] = [];
  for (const a of rawAttrs.matchAll(ATTR)) {
    const value = decodeEntities(a[2] ?? a[3] ?? '');
    if (a[1] === 'xmlns') scope[''] = value;
    else if (a[1].startsWith('xmlns:')) scope[a[1].slice(6)] = value;
    else raw.push([a[1], value]);
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of raw) attrs[k.includes(':') ? k.split(':')[1] : k] = v;
  const [prefix, name] = qname.includes(':') ? qname.split(':', 2) : ['', qname];
  const ns = scope[prefix];
  if (prefix && ns === undefined) throw new XmlParseError(`undeclared namespace prefix "${prefix}" on <${qname}>`);
  return { el: { name, ns: ns ?? '', attrs, children: [], text: '' }, qname, scope };
}

/** First child with this local name (and namespace when given). */
export function child(el: XmlElement | undefined, name: string, ns?: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

/** Text of a path of children (`text(el, 'Mailbox', 'EmailAddress')`), trimmed; undefined if absent. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let cur = el;
  for (const p of path) cur = child(cur, p);
  return cur ? cur.text.trim() : undefined;
}

/** Every descendant (depth first) with this local name. */
export function descendants(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    out.push(...descendants(c, name));
  }
  return out;
}
