import type { Json } from '../support/api-client';
import { EXIT } from '../support/cli-errors';
import { println } from '../support/cli-io';
import { Command, flag } from '../support/command';
import { printJson } from '../support/output';

/** `a:3, b:1` — counts per key id, or `none`. */
function perKid(counts: unknown): string {
  const entries = Object.entries((counts ?? {}) as Record<string, number>);
  return entries.length ? entries.map(([kid, n]) => `${kid}:${n}`).join(', ') : 'none';
}

function describeStatus(s: Json): string[] {
  const stored = s.stored as Json;
  const publications = s.publications as Json;
  const running = s.running as Json | null;
  const lines = [
    `current key id: ${String(s.currentKid)}; previous: ${((s.previousKids ?? []) as string[]).join(', ') || 'none'}`,
    `stored values:      ${String(stored.total)} (by key id ${perKid(stored.byKid)})`,
    `published versions: ${String(publications.total)} values (by key id ${perKid(publications.byKid)})`,
    running ? `running version ${String(running.version)}: ${String(running.total)} values (by key id ${perKid(running.byKid)})` : 'nothing published yet',
  ];
  for (const [where, t] of [['stored', stored], ['published', publications], ['running', running]] as const) {
    if (t && Object.keys((t.unopenable ?? {}) as object).length) lines.push(`UNOPENABLE ${where} values (key id:count): ${perKid(t.unopenable)}`);
  }
  const needed = (s.stillNeeded ?? []) as string[];
  const removable = (s.removable ?? []) as string[];
  if (needed.length) lines.push(`still needed: ${needed.join(', ')} (rotate, publish, and check again before removing them)`);
  if (removable.length) lines.push(`removable: ${removable.join(', ')} (no value needs them: drop from ROUTER_SECRET_KEYS_PREVIOUS and restart the services)`);
  return lines;
}

export const secretsRotateCommand: Command = {
  name: 'secrets rotate',
  summary: 're-seal every stored secret under the current ROUTER_SECRET_KEY (admin)',
  usage: 'mailrouter secrets rotate [--publish] [--json]',
  help: [
    'Asks POST /api/v1/secrets/rotate: config opens every stored password, client secret and',
    'private key (with ROUTER_SECRET_KEY or ROUTER_SECRET_KEYS_PREVIOUS) and seals it again under',
    'ROUTER_SECRET_KEY, in one transaction. Then publish, so the services run the new values.',
    '',
    '      --publish   publish right after the rotation (comment "secret key rotation")',
    '      --json      print the API\'s answers as JSON',
  ].join('\n'),
  options: { publish: { type: 'boolean' }, json: { type: 'boolean' } },
  allowPositionals: false,
  async run(args, { io, api }) {
    const rotation = await api().post<Json>('/api/v1/secrets/rotate', {});
    const published = flag(args, 'publish') ? await api().post<Json>('/api/v1/publish', { comment: 'secret key rotation' }) : undefined;
    if (flag(args, 'json')) {
      printJson(io, published ? { rotation, published } : rotation);
      return EXIT.ok;
    }
    const pubs = rotation.publications as Json;
    println(io.stdout, `re-sealed under key id ${String(rotation.currentKid)}: ${String(rotation.resealed)} stored value(s), ${String(rotation.alreadyCurrent)} already current (before: ${perKid(rotation.byKid)})`);
    println(io.stdout, `published versions: ${String(pubs.resealed)} value(s) re-sealed, ${String(pubs.alreadyCurrent)} already current`);
    if (published) println(io.stdout, `published version ${String(published.version)}: the services now run values sealed under ${String(rotation.currentKid)}`);
    else println(io.stdout, 'next: mailrouter publish (the services still run the values sealed under the old key until then)');
    return EXIT.ok;
  },
};

export const secretsStatusCommand: Command = {
  name: 'secrets status',
  summary: 'how many stored secrets each key id still seals; which previous keys may go',
  usage: 'mailrouter secrets status [--json]',
  help: 'Asks GET /api/v1/secrets/status. Exit 1 when a value cannot be opened by any configured key.\n\n      --json    print the API\'s answer as JSON',
  options: { json: { type: 'boolean' } },
  allowPositionals: false,
  async run(args, { io, api }) {
    const status = await api().get<Json>('/api/v1/secrets/status');
    if (flag(args, 'json')) printJson(io, status);
    else for (const line of describeStatus(status)) println(io.stdout, line);
    const unopenable = [status.stored, status.publications, status.running]
      .some((t) => t && Object.keys(((t as Json).unopenable ?? {}) as object).length > 0);
    return unopenable ? EXIT.failed : EXIT.ok;
  },
};
