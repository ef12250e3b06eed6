import { DOMParser } from '@xmldom/xmldom';
import { UsageError } from '../support/cli-errors';

/** A DOM element as @xmldom/xmldom builds it (its types are the DOM lib's). */
export type XmlElement = Element;

/** Parses the file; malformed XML is a usage error naming the parser's complaint. */
export function parseXml(text: string, source: string): XmlElement {
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      // xmldom only warns about mismatched or unclosed tags; for a configuration file that is an error.
      warning: (msg: unknown) => problems.push(String(msg).split('\n')[0]),
      error: (msg: unknown) => problems.push(String(msg).split('\n')[0]),
      fatalError: (msg: unknown) => problems.push(String(msg).split('\n')[0]),
    },
  }).parseFromString(text, 'text/xml');
  const root = doc?.documentElement;
  if (problems.length || !root) throw new UsageError(`${source}: not well-formed XML: ${problems[0] ?? 'no root element'}`);
  if (root.tagName !== 'Configuration') throw new UsageError(`${source}: the root element is <${root.tagName}>, expected <Configuration> (Microsoft.Crm.Tools.EmailAgent.xml)`);
  return root;
}

export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (!name || (n as XmlElement).tagName.toLowerCase() === name.toLowerCase())) out.push(n as XmlElement);
  }
  return out;
}

/** Trimmed text of the first child named one of `names` (case-insensitive), or undefined when absent or empty. */
export function textOf(el: XmlElement, ...names: string[]): string | undefined {
  for (const name of names) {
    const child = childElements(el, name)[0];
    const text = child?.textContent?.trim();
    if (text) return text;
  }
  return undefined;
}

export function boolOf(el: XmlElement, ...names: string[]): boolean | undefined {
  const t = textOf(el, ...names)?.toLowerCase();
  if (t === undefined) return undefined;
  return t === 'true' || t === '1' || t === 'yes';
}

export function intOf(el: XmlElement, ...names: string[]): number | undefined {
  const t = textOf(el, ...names);
  if (t === undefined || !/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** Children whose names are not in `known` (case-insensitive): reported, never silently dropped. */
export function unknownChildren(el: XmlElement, known: string[]): XmlElement[] {
  const set = new Set(known.map((k) => k.toLowerCase()));
  return childElements(el).filter((c) => !set.has(c.tagName.toLowerCase()));
}
