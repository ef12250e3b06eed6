import { forwardRuleToken, type SecretKeys } from '@mailrouter/platform';
import type { ServerConnection } from '../endpoint';
import type { ForwardRuleOutcome } from '../rules/forward-rule';
import { ManageSieveClient, ManageSieveError, ManageSieveOptions, SieveScriptInfo } from './managesieve-client';
import { buildForwardScript, buildWrapperScript, SIEVE_FORWARD_SCRIPT, SIEVE_WRAPPER_SCRIPT, userScriptOfWrapper } from './sieve-script';

/**
 * The forward rule of an IMAP/POP3 mailbox on a Sieve server (Dovecot Pigeonhole, Cyrus, …),
 * deployed over ManageSieve with the mailbox's own credentials.
 *
 * A user has at most one active Sieve script. When theirs is not ours, it is not replaced: our
 * rule goes into `mailrouter-forward`, and `mailrouter-main` (which includes ours, then theirs)
 * becomes active, so their filters keep working on their copy. Removing the rule re-activates
 * their script and deletes both of ours. Errors (connection, authentication, a script the
 * server refuses) throw with the server's words; the caller reports them as `failed`.
 */

function userAddressOf(conn: ServerConnection, userAddress: string | undefined): string {
  const address = userAddress ?? conn.mailbox ?? (conn.auth.username?.includes('@') ? conn.auth.username : undefined);
  if (!address) throw new Error('the mailbox address is unknown: pass it, or set the endpoint\'s mailbox');
  return address;
}

async function session<T>(conn: ServerConnection, options: ManageSieveOptions | undefined, work: (c: ManageSieveClient) => Promise<T>): Promise<T> {
  if (conn.auth.type !== 'basic' || !conn.auth.username || conn.auth.password === undefined) {
    throw new Error(`ManageSieve needs the mailbox's user name and password (auth ${conn.auth.type})`);
  }
  const client = await ManageSieveClient.connect(conn, options);
  try {
    await client.authenticate(conn.auth.username, conn.auth.password);
    const result = await work(client);
    await client.logout();
    return result;
  } finally {
    client.close();
  }
}

/** Puts `content` under `name` unless it is there already; true when it wrote. */
async function ensureScript(client: ManageSieveClient, scripts: SieveScriptInfo[], name: string, content: string): Promise<boolean> {
  const existing = scripts.some((s) => s.name === name) ? await client.getScript(name) : null;
  if (existing !== null && normalise(existing) === normalise(content)) return false;
  await client.putScript(name, content);
  return true;
}

/** Servers may store line ends as they like; compare content, not CRLF vs LF. */
function normalise(script: string): string {
  return script.replace(/\r\n/g, '\n').trimEnd();
}

/**
 * Deploys (or brings up to date) the rule that redirects a copy of the mailbox's incoming mail to
 * `forwardAddress`, marked with FORWARDED_FOR_HEADER and its token. Idempotent.
 * `userAddress` defaults to `conn.mailbox` (the address the endpoint acts for).
 */
export async function deploySieveForwardRule(
  conn: ServerConnection, forwardAddress: string, secretKey: SecretKeys, userAddress?: string, options?: ManageSieveOptions,
): Promise<ForwardRuleOutcome> {
  const user = userAddressOf(conn, userAddress);
  const script = buildForwardScript({ forwardAddress, userAddress: user, token: forwardRuleToken(secretKey, forwardAddress, user) });
  return session(conn, options, async (client) => {
    const scripts = await client.listScripts();
    const hadOurs = scripts.some((s) => s.name === SIEVE_FORWARD_SCRIPT);
    const active = scripts.find((s) => s.active)?.name;
    let changed = await ensureScript(client, scripts, SIEVE_FORWARD_SCRIPT, script);
    let kept = '';
    if (active === SIEVE_WRAPPER_SCRIPT) {
      // ours runs through the wrapper already; keep the user's script it names
      const theirs = userScriptOfWrapper((await client.getScript(SIEVE_WRAPPER_SCRIPT)) ?? '');
      if (theirs) kept = theirs;
    } else if (active && active !== SIEVE_FORWARD_SCRIPT) {
      kept = active;
      changed = (await ensureScript(client, scripts, SIEVE_WRAPPER_SCRIPT, buildWrapperScript(active))) || changed;
      await client.setActive(SIEVE_WRAPPER_SCRIPT);
      changed = true;
    } else if (active !== SIEVE_FORWARD_SCRIPT) {
      await client.setActive(SIEVE_FORWARD_SCRIPT);
      changed = true;
    }
    const what = `Sieve script "${SIEVE_FORWARD_SCRIPT}": redirect a copy of ${user}'s mail to ${forwardAddress}`
      + (kept ? `; your own active script "${kept}" still runs after it (through "${SIEVE_WRAPPER_SCRIPT}")` : '');
    if (!hadOurs) return { change: 'created', message: `${what} (created)` };
    return changed ? { change: 'updated', message: `${what} (updated)` } : { change: 'unchanged', message: `${what} (already in place)` };
  });
}

/** Removes the rule; re-activates the user's own script if ours had wrapped it. Idempotent. */
export async function removeSieveForwardRule(
  conn: ServerConnection, forwardAddress: string, options?: ManageSieveOptions,
): Promise<ForwardRuleOutcome> {
  return session(conn, options, async (client) => {
    const scripts = await client.listScripts();
    const names = new Set(scripts.map((s) => s.name));
    const active = scripts.find((s) => s.active)?.name;
    if (!names.has(SIEVE_FORWARD_SCRIPT) && !names.has(SIEVE_WRAPPER_SCRIPT)) {
      return { change: 'absent', message: `no MailRouter Sieve script forwards to ${forwardAddress}: nothing to remove` };
    }
    let restored = '';
    if (active === SIEVE_WRAPPER_SCRIPT) {
      const theirs = userScriptOfWrapper((await client.getScript(SIEVE_WRAPPER_SCRIPT)) ?? '');
      restored = theirs && names.has(theirs) ? theirs : '';
      await client.setActive(restored);
    } else if (active === SIEVE_FORWARD_SCRIPT) {
      await client.setActive('');
    }
    for (const name of [SIEVE_WRAPPER_SCRIPT, SIEVE_FORWARD_SCRIPT]) {
      if (!names.has(name)) continue;
      try {
        await client.deleteScript(name);
      } catch (err) {
        if (!(err instanceof ManageSieveError && err.code === 'NONEXISTENT')) throw err;
      }
    }
    return {
      change: 'removed',
      message: `Sieve script "${SIEVE_FORWARD_SCRIPT}" removed: ${forwardAddress} no longer receives this mailbox's mail`
        + (restored ? `; your script "${restored}" is active again` : ''),
    };
  });
}
