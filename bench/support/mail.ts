import { randomBytes } from 'node:crypto';
import { buildMime, imapClient, MailUser } from '@mailrouter/testing';

export type MessageMix = 'text-5k' | 'attachment-100k' | 'mixed';
export const MIXES: MessageMix[] = ['text-5k', 'attachment-100k', 'mixed'];

/** Plain text of about `bytes` bytes, in lines as people write them. */
export function proseOf(bytes: number, seed: string): string {
  const line = `Line of the message ${seed}: the quarterly figures are attached, please review them before Friday.\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

/** The n-th message of a mix: 5 KB of text, or ~100 KB with a binary attachment; `mixed` is 3 of the first to 1 of the second. */
export function kindOf(mix: MessageMix, n: number): 'text-5k' | 'attachment-100k' {
  if (mix === 'mixed') return n % 4 === 3 ? 'attachment-100k' : 'text-5k';
  return mix;
}

export interface BenchMessage {
  raw: Buffer;
  messageId: string;
}

export async function benchMessage(kind: 'text-5k' | 'attachment-100k', from: string, to: string, tag: string): Promise<BenchMessage> {
  const messageId = `<${tag}@bench.mailrouter.test>`;
  const raw = kind === 'text-5k'
    ? await buildMime({ from, to, subject: `Bench ${tag}`, messageId, text: proseOf(5 * 1024, tag) })
    : await buildMime({
        from, to, subject: `Bench ${tag} with attachment`, messageId, text: proseOf(2 * 1024, tag),
        // 72 KB of random bytes is ~98 KB in base64: a ~100 KB message.
        attachments: [{ filename: `report-${tag}.bin`, content: randomBytes(72 * 1024), contentType: 'application/octet-stream' }],
      });
  return { raw, messageId };
}

/** Appends the messages to a user's INBOX over one IMAP connection; returns the time each APPEND completed. */
export async function appendAll(user: MailUser, raws: Buffer[]): Promise<number[]> {
  const client = imapClient(user);
  await client.connect();
  const at: number[] = [];
  try {
    for (const raw of raws) {
      await client.append('INBOX', raw);
      at.push(Date.now());
    }
  } finally {
    await client.logout();
  }
  return at;
}
