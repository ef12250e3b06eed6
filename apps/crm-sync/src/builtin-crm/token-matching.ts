import type { TrackingTokenSettings } from '@mailrouter/domain';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The number of digits after the prefix: base number, user number, counter. */
export function tokenDigits(settings: TrackingTokenSettings): number {
  return String(settings.baseNumber).length + settings.userNumberDigits + settings.counterDigits;
}

/**
 * Finds a tracking token anywhere in a subject, also when a mail client or a forward mangled
 * it: any letter case, whitespace inside or after the prefix (`CRM : 0001…`), digits split by
 * single spaces (a folded or re-wrapped subject), after RE:/FW:/AW:/SV: or in brackets.
 * Returns the token as this deployment writes it (prefix + digits), or undefined.
 */
export function findMangledTrackingToken(settings: TrackingTokenSettings, subject: string): string | undefined {
  const prefix = [...settings.prefix.trim()].map((c) => (/\s/.test(c) ? '' : escapeRegExp(c))).filter(Boolean).join('\\s*');
  const n = tokenDigits(settings);
  const digits = n === 1 ? '\\d' : `\\d(?:[ \\t]?\\d){${n - 1}}`;
  const pattern = new RegExp(`${prefix}\\s*(${digits})(?!\\d)`, 'iu');
  const found = pattern.exec(subject.replace(/\r?\n[ \t]*/g, ' '));
  if (!found) return undefined;
  return settings.prefix + found[1].replace(/\s+/g, '');
}
