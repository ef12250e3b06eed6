/**
 * Tracking tokens as the original CRM made them: a prefix, the deployment's base number,
 * the sending user's number and a counter, e.g. `CRM:0010001234`.
 */
export interface TrackingTokenSettings {
  /** 1–20 characters, e.g. `CRM:`. */
  prefix: string;
  /** Deployment base number (distinguishes deployments sharing mailboxes). */
  baseNumber: number;
  userNumberDigits: number;
  counterDigits: number;
}

export const DEFAULT_TRACKING_TOKEN: TrackingTokenSettings = {
  prefix: 'CRM:',
  baseNumber: 0,
  userNumberDigits: 3,
  counterDigits: 4,
};

export function formatTrackingToken(
  settings: TrackingTokenSettings,
  userNumber: number,
  counter: number,
): string {
  const user = String(userNumber % 10 ** settings.userNumberDigits).padStart(settings.userNumberDigits, '0');
  const count = String(counter % 10 ** settings.counterDigits).padStart(settings.counterDigits, '0');
  return `${settings.prefix}${settings.baseNumber}${user}${count}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds a token anywhere in a subject (after RE:/FW:/AW:/SV: or any other text). */
export function findTrackingToken(settings: TrackingTokenSettings, subject: string): string | undefined {
  const digits = String(settings.baseNumber).length + settings.userNumberDigits + settings.counterDigits;
  const pattern = new RegExp(`${escapeRegExp(settings.prefix)}\\d{${digits}}(?!\\d)`, 'i');
  const found = pattern.exec(subject);
  if (!found) return undefined;
  return settings.prefix + found[0].slice(settings.prefix.length);
}

/** Appends the token to a subject, once. */
export function applyTrackingToken(subject: string, token: string): string {
  if (subject.includes(token)) return subject;
  return subject.length ? `${subject} ${token}` : token;
}

/** Strips reply/forward prefixes and the token, for display and smart matching. */
export function normalizeSubject(subject: string, token?: string): string {
  let s = token ? subject.split(token).join(' ') : subject;
  s = s.replace(/^(\s*(re|fw|fwd|aw|sv|wg|tr|vs)\s*(\[\d+\])?\s*:\s*)+/i, '');
  return s.replace(/\s+/g, ' ').trim();
}
