import { randomUUID } from 'node:crypto';

/** One request inside a $batch body (OData multipart/mixed; change sets are flattened). */
export interface BatchPart {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface BatchPartResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  return contentType?.match(/boundary=("?)([^";]+)\1/i)?.[2];
}

function splitParts(body: string, boundary: string): string[] {
  const chunks = body.split(`--${boundary}`);
  return chunks.slice(1).filter((c) => !c.startsWith('--')).map((c) => c.replace(/^\r?\n/, ''));
}

function headerBlock(text: string): [Record<string, string>, string] {
  const m = text.match(/\r?\n\r?\n/);
  const end = m?.index ?? text.length;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return [headers, m ? text.slice(end + m[0].length) : ''];
}

export function parseBatch(contentType: string | undefined, body: string): BatchPart[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error('a $batch request needs Content-Type: multipart/mixed; boundary=…');
  const parts: BatchPart[] = [];
  for (const chunk of splitParts(body, boundary)) {
    const [outer, rest] = headerBlock(chunk);
    if (outer['content-type']?.startsWith('multipart/mixed')) {
      parts.push(...parseBatch(outer['content-type'], rest));
      continue;
    }
    const lineEnd = rest.search(/\r?\n/);
    const [method, url] = rest.slice(0, lineEnd).split(' ');
    const [headers, innerBody] = headerBlock(rest.slice(lineEnd).replace(/^\r?\n/, ''));
    parts.push({ method, url, headers, body: innerBody.trim() });
  }
  return parts;
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
  404: 'Not Found', 412: 'Precondition Failed', 429: 'Too Many Requests', 500: 'Internal Server Error',
};

export function formatBatchResponse(responses: BatchPartResponse[]): { contentType: string; body: string } {
  const boundary = `batchresponse_${randomUUID()}`;
  const parts = responses.map((r) => {
    const headers = Object.entries({ 'OData-Version': '4.0', ...r.headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
    return `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n` +
      `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? ''}\r\n${headers}\r\n\r\n${r.body}\r\n`;
  });
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: `${parts.join('')}--${boundary}--\r\n` };
}
