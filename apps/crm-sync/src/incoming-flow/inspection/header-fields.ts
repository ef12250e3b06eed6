/** One header field, unfolded: name lower-cased, value trimmed. */
export interface HeaderField {
  name: string;
  value: string;
}

/** The header block of a message or part: everything before the first empty line. */
export function headerBlock(text: string): string {
  const normalised = text.replace(/\r\n/g, '\n');
  const end = normalised.search(/\n[ \t]*\n/);
  return end >= 0 ? normalised.slice(0, end) : normalised;
}

/** RFC 5322 fields of a header block, in order, continuation lines unfolded. Lines that are not fields are skipped. */
export function headerFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let current: HeaderField | undefined;
  for (const line of block.replace(/\r\n/g, '\n').split('\n')) {
    if (/^[ \t]/.test(line)) {
      if (current) current.value = `${current.value} ${line.trim()}`.trim();
      continue;
    }
    const match = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    current = match ? { name: match[1].toLowerCase(), value: match[2].trim() } : undefined;
    if (current) fields.push(current);
  }
  return fields;
}

/** The first occurrence of each field. */
export function firstFields(block: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const { name, value } of headerFields(block)) if (!map.has(name)) map.set(name, value);
  return map;
}
