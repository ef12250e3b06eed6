import { FORWARDED_FOR_HEADER, isPlainAddress } from '@mailrouter/domain';
import { FORWARD_RULE_NAME } from '../rules/forward-rule';

/** Our forward script's name in the user's Sieve storage. */
export const SIEVE_FORWARD_SCRIPT = 'mailrouter-forward';
/**
 * When the user already had an active script of their own, this one becomes active instead: it
 * includes ours, then theirs, so their filtering keeps working (see sieve-forward-rule.ts).
 */
export const SIEVE_WRAPPER_SCRIPT = 'mailrouter-main';

/** A Sieve quoted string (RFC 5228 §2.4.2): backslash and double quote escaped; no line breaks. */
export function sieveString(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`a Sieve string cannot contain a line break or NUL: ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ForwardScriptInput {
  /** Where mail is redirected: the forward mailbox. */
  forwardAddress: string;
  /** Whose mail it is: the mailbox the script is deployed for. */
  userAddress: string;
  /** forwardRuleToken(key, forwardAddress, userAddress) — what crm-sync recomputes. */
  token: string;
}

function checkAddress(what: string, address: string): string {
  const a = address.trim();
  if (!isPlainAddress(a)) throw new Error(`the ${what} ${JSON.stringify(address)} is not a plain e-mail address (local@domain)`);
  return a;
}

/**
 * The forward script. Sieve cannot forward as an attachment, so it redirects a copy and says in
 * FORWARDED_FOR_HEADER whose mail it is, with the token that proves the router wrote the rule:
 * - any FORWARDED_FOR_HEADER that arrived with the message is deleted first (no sender can
 *   smuggle one through);
 * - the header is added, the copy redirected (`:copy`: the user keeps theirs, and a script
 *   included after this one still decides about it);
 * - the header is deleted again, so the user's own copy (implicit keep) does not carry it:
 *   Pigeonhole redirects the message as it was when `redirect` ran.
 */
export function buildForwardScript(input: ForwardScriptInput): string {
  const forward = checkAddress('forward address', input.forwardAddress);
  const user = checkAddress('user address', input.userAddress);
  if (!/^[A-Za-z0-9_-]+$/.test(input.token)) throw new Error('the forward rule token must be base64url');
  const header = sieveString(FORWARDED_FOR_HEADER);
  return [
    `# ${FORWARD_RULE_NAME}: written by MailRouter's rule deployment; changes here are overwritten.`,
    `# Redirects a copy of every incoming message to ${forward}, which tracks it as ${user}'s mail.`,
    'require ["editheader", "copy"];',
    `deleteheader ${header};`,
    `addheader ${header} ${sieveString(`${user}; token=${input.token}`)};`,
    `redirect :copy ${sieveString(forward)};`,
    `deleteheader ${header};`,
    '',
  ].join('\r\n');
}

/** The wrapper that runs our script, then the user's own (`include :personal`, RFC 6609). */
export function buildWrapperScript(userScript: string): string {
  return [
    `# ${FORWARD_RULE_NAME}: MailRouter's forward rule, then your own script ${sieveString(userScript)}.`,
    `# To stop forwarding, remove the rule through MailRouter (it re-activates ${sieveString(userScript)}).`,
    'require ["include"];',
    `include :personal ${sieveString(SIEVE_FORWARD_SCRIPT)};`,
    `include :personal ${sieveString(userScript)};`,
    '',
  ].join('\r\n');
}

/** The user's script that our wrapper includes (the last `include :personal`), if it is our wrapper. */
export function userScriptOfWrapper(content: string): string | null {
  const includes = [...content.matchAll(/^include :personal "((?:[^"\\]|\\.)*)";/gm)].map((m) => m[1].replace(/\\(.)/g, '$1'));
  const theirs = includes.filter((name) => name !== SIEVE_FORWARD_SCRIPT);
  return theirs.length ? theirs[theirs.length - 1] : null;
}
