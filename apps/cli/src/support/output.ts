import type { ApiClient, Json } from './api-client';
import { UsageError } from './cli-errors';
import type { CliIo } from './cli-io';

/** A plain text table: columns padded to their widest cell. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Progress on stderr: a redrawn bar on a terminal, one plain line per step otherwise (CI logs,
 * pipes), so that stdout stays the result alone.
 */
export class Progress {
  private done = 0;
  constructor(private readonly stream: CliIo['stderr'], private readonly total: number, private readonly what: string) {}

  step(label: string, outcome: string): void {
    this.done++;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 50));
      const filled = Math.round((this.done / this.total) * width);
      const text = `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${label}`.slice(0, (this.stream.columns ?? 80) - 1);
      this.stream.write(`${text}\u001b[K`);
      if (this.done === this.total) this.stream.write('\n');
    } else this.stream.write(`${this.what} ${this.done}/${this.total} ${label}: ${outcome}\n`);
  }
}

/** Mailboxes named by id or address (an address in two deployments must be named by id). */
export async function resolveMailboxes(api: ApiClient, refs: string[]): Promise<Json[]> {
  const all = await api.get<Json[]>('/api/v1/mailboxes');
  const problems: string[] = [];
  const chosen = refs.map((ref) => {
    const byId = all.find((m) => m.id === ref);
    if (byId) return byId;
    const byAddress = all.filter((m) => String(m.address).toLowerCase() === ref.trim().toLowerCase());
    if (byAddress.length === 1) return byAddress[0];
    problems.push(byAddress.length ? `${ref} is in ${byAddress.length} deployments; name it by id (${byAddress.map((m) => m.id).join(', ')})` : `no mailbox ${ref}`);
    return undefined;
  });
  if (problems.length) throw new UsageError(problems.join('\n'));
  return chosen as Json[];
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
