/**
 * ManageSieve (RFC 5804) responses: zero or more data lines (capabilities, script names, a
 * script as a literal), then one line starting with OK, NO or BYE, an optional response code
 * in parentheses and an optional human-readable string (the server's own words).
 *
 * The parser is incremental: given what has arrived so far it returns a complete response and
 * how many bytes it used, or null when more is needed. It never buffers more than `maxBytes`.
 */

export type ManageSieveStatus = 'OK' | 'NO' | 'BYE';

/** A data line's items: atoms (ACTIVE, capability names) and strings (quoted or literal), in order. */
export type ManageSieveLine = string[];

export interface ManageSieveResponse {
  status: ManageSieveStatus;
  /** The response code, e.g. `NONEXISTENT`, `ACTIVE`, `WARNINGS`, `SASL` (upper case), if any. */
  code?: string;
  /** The response code's arguments (e.g. SASL's server data), if any. */
  codeArgs?: string[];
  /** The server's human-readable text ('' when it sent none). */
  text: string;
  lines: ManageSieveLine[];
}

export class ManageSieveProtocolError extends Error {}

/** Thrown by the parser when a response needs more than its byte limit. */
export class ManageSieveResponseTooLargeError extends ManageSieveProtocolError {}

interface Token {
  kind: 'atom' | 'string' | 'code' | 'eol';
  value: string;
  args?: string[];
}

/** Bytes that end an atom (RFC 5804 §4: atoms are ATOM-CHARs; we stop at the delimiters). */
const ATOM_END = new Set([0x20, 0x0d, 0x0a, 0x28, 0x29, 0x22, 0x7b]);

class Tokenizer {
  constructor(private readonly buf: Buffer, public pos: number, private readonly maxBytes: number) {}

  /** The next token, or null when the buffer ends inside it. */
  next(): Token | null {
    while (this.pos < this.buf.length && this.buf[this.pos] === 0x20) this.pos++;
    if (this.pos >= this.buf.length) return null;
    const c = this.buf[this.pos];
    if (c === 0x0d || c === 0x0a) return this.eol();
    if (c === 0x22) return this.quoted();
    if (c === 0x7b) return this.literal();
    if (c === 0x28) return this.code();
    if (c === 0x29) throw new ManageSieveProtocolError(`unexpected ")" at byte ${this.pos}`);
    return this.atom();
  }

  private eol(): Token | null {
    if (this.buf[this.pos] === 0x0a) { this.pos++; return { kind: 'eol', value: '' }; } // tolerate a bare LF
    if (this.pos + 1 >= this.buf.length) return null;
    if (this.buf[this.pos + 1] !== 0x0a) throw new ManageSieveProtocolError(`CR without LF at byte ${this.pos}`);
    this.pos += 2;
    return { kind: 'eol', value: '' };
  }

  private atom(): Token | null {
    const start = this.pos;
    let end = start;
    while (end < this.buf.length && !ATOM_END.has(this.buf[end])) end++;
    if (end >= this.buf.length) return null;
    this.pos = end;
    return { kind: 'atom', value: this.buf.toString('latin1', start, end) };
  }

  /** "…" with \" and \\ escapes; no CR/LF inside (RFC 5804 §4, quoted). */
  private quoted(): Token | null {
    const bytes: number[] = [];
    let i = this.pos + 1;
    while (i < this.buf.length) {
      const b = this.buf[i];
      if (b === 0x5c) {
        if (i + 1 >= this.buf.length) return null;
        bytes.push(this.buf[i + 1]);
        i += 2;
        continue;
      }
      if (b === 0x22) {
        this.pos = i + 1;
        return { kind: 'string', value: Buffer.from(bytes).toString('utf8') };
      }
      if (b === 0x0d || b === 0x0a) throw new ManageSieveProtocolError(`line break inside a quoted string at byte ${i}`);
      bytes.push(b);
      i++;
    }
    return null;
  }

  /** {n}CRLF followed by n octets ({n+} accepted too). */
  private literal(): Token | null {
    const close = this.buf.indexOf(0x7d, this.pos);
    if (close < 0) {
      if (this.buf.length - this.pos > 24) throw new ManageSieveProtocolError('unterminated literal length');
      return null;
    }
    const spec = this.buf.toString('latin1', this.pos + 1, close);
    const match = /^(\d{1,10})\+?$/.exec(spec);
    if (!match) throw new ManageSieveProtocolError(`bad literal length {${spec}}`);
    const n = Number(match[1]);
    if (n > this.maxBytes) throw new ManageSieveResponseTooLargeError(`the server announced a ${n}-byte literal, over the ${this.maxBytes}-byte limit`);
    if (close + 2 >= this.buf.length) return null;
    if (this.buf[close + 1] !== 0x0d || this.buf[close + 2] !== 0x0a) throw new ManageSieveProtocolError(`literal {${spec}} not followed by CRLF`);
    const start = close + 3;
    if (start + n > this.buf.length) return null;
    this.pos = start + n;
    return { kind: 'string', value: this.buf.toString('utf8', start, start + n) };
  }

  /** ( CODE [args…] ): the code in upper case and its string or atom arguments. */
  private code(): Token | null {
    this.pos++;
    const parts: string[] = [];
    for (;;) {
      while (this.pos < this.buf.length && this.buf[this.pos] === 0x20) this.pos++;
      if (this.pos >= this.buf.length) return null;
      if (this.buf[this.pos] === 0x29) {
        this.pos++;
        const [name = '', ...args] = parts;
        return { kind: 'code', value: name.toUpperCase(), args };
      }
      const t = this.next();
      if (!t) return null;
      if (t.kind === 'eol' || t.kind === 'code') throw new ManageSieveProtocolError('unterminated response code');
      parts.push(t.value);
    }
  }
}

function finalLine(tokens: Token[]): ManageSieveResponse | null {
  const first = tokens[0];
  if (!first || first.kind !== 'atom') return null;
  const status = first.value.toUpperCase();
  if (status !== 'OK' && status !== 'NO' && status !== 'BYE') return null;
  const code = tokens.find((t) => t.kind === 'code');
  const text = tokens.find((t, i) => i > 0 && t.kind === 'string');
  return {
    status,
    ...(code ? { code: code.value, ...(code.args?.length ? { codeArgs: code.args } : {}) } : {}),
    text: text?.value ?? '',
    lines: [],
  };
}

/**
 * Parses one complete response from `buf` (starting at 0). Returns it with the number of bytes
 * consumed, or null if the buffer ends before the response does.
 */
export function parseManageSieveResponse(buf: Buffer, maxBytes: number): { response: ManageSieveResponse; consumed: number } | null {
  const tokenizer = new Tokenizer(buf, 0, maxBytes);
  const lines: ManageSieveLine[] = [];
  let current: Token[] = [];
  for (;;) {
    const token = tokenizer.next();
    if (!token) {
      if (buf.length > maxBytes) throw new ManageSieveResponseTooLargeError(`the server's response exceeds ${maxBytes} bytes`);
      return null;
    }
    if (token.kind !== 'eol') {
      current.push(token);
      continue;
    }
    if (current.length === 0) continue; // an empty line: nothing to record
    const done = finalLine(current);
    if (done) return { response: { ...done, lines }, consumed: tokenizer.pos };
    lines.push(current.map((t) => t.value));
    current = [];
  }
}

/** A ManageSieve quoted string (RFC 5804 §4): for names and short arguments, never scripts. */
export function quoteManageSieveString(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new ManageSieveProtocolError('a quoted ManageSieve string cannot contain CR, LF or NUL');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A non-synchronizing literal `{n+}` CRLF data, for scripts (n counts UTF-8 bytes). */
export function manageSieveLiteral(value: string): Buffer {
  const data = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from(`{${data.length}+}\r\n`, 'latin1'), data]);
}
