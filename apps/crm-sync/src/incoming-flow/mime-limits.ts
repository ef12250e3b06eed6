/**
 * Limits a received message must stay within before mailparser (and everything after it:
 * DKIM, bounce parsing, HTML sanitising, the CRM's party resolution) sees it. Checked by one
 * linear pass over the raw bytes that keeps no more than one header field and the open
 * multipart boundaries (at most `maxDepth` of them), so a hostile message costs its size in
 * time and almost nothing in memory, and its verdict names the limit it broke.
 */
import type { ReasonCode } from '@mailrouter/domain';

export interface MimeLimits {
  /** MAX_PARSE_BYTES: the raw message, as incoming's MAX_MESSAGE_BYTES. */
  maxParseBytes: number;
  /** MAX_HEADER_BYTES: one header block (of the message or of any part). */
  maxHeaderBytes: number;
  /** MAX_MIME_DEPTH: nesting of multiparts and attached messages (the top is 0). */
  maxDepth: number;
  /** MAX_MIME_PARTS: body parts and attached messages, all levels together. */
  maxParts: number;
  /** MAX_RECIPIENTS: addresses of To, Cc and Bcc together, in any one header block. */
  maxRecipients: number;
}

/**
 * Defaults: 50 MiB as incoming fetches; 1 MiB of header and 1,000 parts as mailparser's splitter
 * allows (past those it fails without naming the value); 50 levels and 1,000 recipients are far
 * beyond real mail (Exchange Online caps a message at 500–1,000 recipients) and far below what
 * costs the CRM anything.
 */
export const DEFAULT_MIME_LIMITS: MimeLimits = {
  maxParseBytes: 50 * 1024 * 1024,
  maxHeaderBytes: 1024 * 1024,
  maxDepth: 50,
  maxParts: 1000,
  maxRecipients: 1000,
};

/** The settings' names, as the verdict says them. */
export const MIME_LIMIT_NAMES: Record<keyof MimeLimits, string> = {
  maxParseBytes: 'MAX_PARSE_BYTES',
  maxHeaderBytes: 'MAX_HEADER_BYTES',
  maxDepth: 'MAX_MIME_DEPTH',
  maxParts: 'MAX_MIME_PARTS',
  maxRecipients: 'MAX_RECIPIENTS',
};

/** A message that is not mail the router can read (quarantined with `reason`). */
export class UnparseableMailError extends Error {
  readonly reason: ReasonCode = 'unparseable';
}

/** A message over one of the limits: never parsed, quarantined as `limit-exceeded`. */
export class MailLimitExceededError extends UnparseableMailError {
  override readonly reason: ReasonCode = 'limit-exceeded';

  constructor(readonly limit: keyof MimeLimits, readonly value: number, readonly max: number, what: string) {
    super(`the message exceeds ${MIME_LIMIT_NAMES[limit]}: ${what} ${value.toLocaleString('en-US')} > ${max.toLocaleString('en-US')}; it was not parsed (raise the crm-sync setting ${MIME_LIMIT_NAMES[limit]} and re-process it if it is legitimate)`);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** RFC 2046 caps a boundary at 70 characters; longer lines than this are never delimiters. */
const MAX_DELIMITER_LINE = 1024;
const ADDRESS_FIELDS = new Set(['to', 'cc', 'bcc']);
const WHITESPACE = new Set([0x20, 0x09, CR, LF]);
const WATCHED_FIELDS = new Set(['content-type', 'content-transfer-encoding', ...ADDRESS_FIELDS]);
/** An attached message in these encodings is an opaque body, not a nested header (as mailparser sees it). */
const OPAQUE_ENCODINGS = new Set(['base64', 'quoted-printable']);

interface OpenMultipart {
  boundary: string;
  /** Depth of the multipart node itself; its parts are one deeper. */
  depth: number;
}

/**
 * Addresses in an address field, as many as an address parser would return: items separated by
 * `,` (or a group's closing `;`) outside quoted strings, comments and angle brackets; a group's
 * name (`team:`) is not one.
 */
export function countAddresses(value: string): number {
  let count = 0;
  let filled = false;
  let quoted = false;
  let comment = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted || comment > 0) {
      if (c === '\\') i++;
      else if (quoted && c === '"') quoted = false;
      else if (!quoted && c === '(') comment++;
      else if (!quoted && c === ')') comment--;
      continue;
    }
    if (c === '"') quoted = filled = true;
    else if (c === '(') comment++;
    else if (c === '<') angle = filled = true;
    else if (c === '>') angle = false;
    else if (!angle && (c === ',' || c === ';')) {
      if (filled) count++;
      filled = false;
    } else if (!angle && c === ':') filled = false;
    else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') filled = true;
  }
  return count + (filled ? 1 : 0);
}

function contentTypeOf(value: string): { type: string; boundary?: string } {
  const type = value.split(';', 1)[0].trim().toLowerCase();
  // Bounded repetitions: an unclosed quote repeated a million times must not make this quadratic.
  const m = /;\s*boundary\s*=\s*(?:"([^"]{0,256})"|([^;\s"]{1,256}))/i.exec(value);
  const boundary = m ? (m[1] ?? m[2]) : undefined;
  return { type, boundary: boundary || undefined };
}

/**
 * Throws MailLimitExceededError when `raw` is over a limit. Linear in the size of `raw`; every
 * line is looked at once, a body line only when it starts with `--` and is short enough to be
 * a delimiter (then compared with at most `maxDepth + 1` open boundaries).
 */
export function checkMimeLimits(raw: Uint8Array, limits: MimeLimits = DEFAULT_MIME_LIMITS): void {
  if (raw.byteLength > limits.maxParseBytes) {
    throw new MailLimitExceededError('maxParseBytes', raw.byteLength, limits.maxParseBytes, 'raw size in bytes');
  }
  new MimeScanner(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), limits).scan();
}

class MimeScanner {
  private readonly open: OpenMultipart[] = [];
  private inHeader = true;
  /** Depth of the node whose header or body is being read. */
  private depth = 0;
  private parts = 0;
  private headerBytes = 0;
  /** The watched field being unfolded (name, value so far), or none. */
  private field?: { name: string; value: string };
  private contentType = '';
  private transferEncoding = '';
  /** Addresses of To, Cc and Bcc in this header block so far. */
  private recipients = 0;

  constructor(private readonly raw: Buffer, private readonly limits: MimeLimits) {}

  scan(): void {
    const raw = this.raw;
    for (let start = 0; start < raw.length;) {
      const lf = raw.indexOf(LF, start);
      const end = lf === -1 ? raw.length : lf + 1;
      // A delimiter also ends a part whose header has no blank line after it.
      const delimiter = raw[start] === DASH && raw[start + 1] === DASH && end - start <= MAX_DELIMITER_LINE && this.open.length > 0;
      if (!(delimiter && this.delimiter(start, end)) && this.inHeader) this.headerLine(start, end);
      start = end;
    }
    if (this.inHeader) this.endField();
  }

  private headerLine(start: number, end: number): void {
    const raw = this.raw;
    this.headerBytes += end - start;
    if (this.headerBytes > this.limits.maxHeaderBytes) this.headerTooBig(end);
    let stop = end;
    while (stop > start && (raw[stop - 1] === LF || raw[stop - 1] === CR)) stop--;
    if (stop === start) return this.endHeader();
    const first = raw[start];
    if (first === 0x20 || first === 0x09) {
      if (this.field) this.field.value += raw.toString('latin1', start, stop);
      return;
    }
    this.endField();
    // Looked for within the line only: a line without a colon must not scan the rest of the message.
    const colon = raw.subarray(start, stop).indexOf(0x3a);
    if (colon === -1) return;
    const name = raw.toString('latin1', start, start + colon).trim().toLowerCase();
    if (WATCHED_FIELDS.has(name)) this.field = { name, value: raw.toString('latin1', start + colon + 1, stop) };
  }

  /** Counts the rest of an oversized header block (without keeping it) to say how big it is. */
  private headerTooBig(from: number): never {
    let bytes = this.headerBytes;
    const raw = this.raw;
    for (let start = from; start < raw.length;) {
      const lf = raw.indexOf(LF, start);
      const end = lf === -1 ? raw.length : lf + 1;
      bytes += end - start;
      if (end - start <= 2 && (raw[start] === LF || raw[start] === CR)) break;
      start = end;
    }
    throw new MailLimitExceededError('maxHeaderBytes', bytes, this.limits.maxHeaderBytes, 'header block in bytes');
  }

  private endField(): void {
    const field = this.field;
    this.field = undefined;
    if (!field) return;
    if (field.name === 'content-type') this.contentType = field.value;
    else if (field.name === 'content-transfer-encoding') this.transferEncoding = field.value.trim().toLowerCase();
    else {
      this.recipients += countAddresses(field.value);
      if (this.recipients > this.limits.maxRecipients) {
        throw new MailLimitExceededError('maxRecipients', this.recipients, this.limits.maxRecipients, 'addresses in To, Cc and Bcc');
      }
    }
  }

  /** The blank line: the node's body starts; a multipart opens, an attached message nests. */
  private endHeader(): void {
    this.endField();
    const { type, boundary } = contentTypeOf(this.contentType);
    const opaque = OPAQUE_ENCODINGS.has(this.transferEncoding);
    this.contentType = this.transferEncoding = '';
    this.headerBytes = this.recipients = 0;
    if (type.startsWith('multipart/') && boundary) {
      this.open.push({ boundary, depth: this.depth });
      this.inHeader = false;
    } else if ((type === 'message/rfc822' || type === 'message/global') && !opaque) {
      // The attached message's own header follows at once: one level deeper, one part more.
      this.enter(this.depth + 1);
    } else {
      this.inHeader = false;
    }
  }

  private enter(depth: number): void {
    this.parts++;
    if (this.parts > this.limits.maxParts) throw new MailLimitExceededError('maxParts', this.parts, this.limits.maxParts, 'MIME parts');
    if (depth > this.limits.maxDepth) throw new MailLimitExceededError('maxDepth', depth, this.limits.maxDepth, 'nesting depth');
    this.depth = depth;
    this.inHeader = true;
  }

  /** `--boundary` starts a part of that multipart (closing the ones inside it); `--boundary--` closes it. */
  private delimiter(start: number, end: number): boolean {
    // Trailing whitespace trimmed by hand: a /\s+$/ would be quadratic on a line full of spaces.
    let stop = end;
    while (stop > start + 2 && WHITESPACE.has(this.raw[stop - 1])) stop--;
    const line = this.raw.toString('latin1', start + 2, stop);
    for (let i = this.open.length - 1; i >= 0; i--) {
      const { boundary, depth } = this.open[i];
      if (line === boundary) {
        this.endPartHeader();
        this.open.length = i + 1;
        this.enter(depth + 1);
        return true;
      }
      if (line.length === boundary.length + 2 && line.endsWith('--') && line.startsWith(boundary)) {
        this.endPartHeader();
        this.open.length = i;
        this.depth = depth;
        this.inHeader = false;
        return true;
      }
    }
    return false;
  }

  /** A part cut short in its header: what was read of it still counts (recipients), then it is left. */
  private endPartHeader(): void {
    if (!this.inHeader) return;
    this.endField();
    this.contentType = this.transferEncoding = '';
    this.headerBytes = this.recipients = 0;
  }
}
