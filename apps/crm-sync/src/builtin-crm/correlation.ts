import type { DeploymentTrackingV1 } from '@mailrouter/contracts';
import { normalizeSubject, ParsedEmail, RecordRef } from '@mailrouter/domain';
import type { EmailEntity } from './entities/email.entity';
import type { EmailsRepository } from './emails.repository';
import { findMangledTrackingToken } from './token-matching';
import { tokenSettings } from './deployment-settings.repository';
import type { TrackingFacts } from './tracking-rules';

/** How many recent emails of the same conversation subject smart matching compares. */
export const SMART_MATCH_CANDIDATES = 50;

/** The subject smart matching compares: without RE:/FW: prefixes and token, spaces folded, lower case. */
export function conversationSubject(subject: string, token?: string): string | null {
  const s = normalizeSubject(subject, token).toLowerCase();
  return s.length ? s : null;
}

/** Every address of an email: sender and recipients. */
export function emailAddresses(email: Pick<ParsedEmail, 'from' | 'to' | 'cc'>): Set<string> {
  return new Set([email.from?.address, ...email.to.map((a) => a.address), ...email.cc.map((a) => a.address)].filter((a): a is string => Boolean(a)));
}

/**
 * Smart matching: among emails of the same conversation subject, the one sharing the most
 * sender/recipient addresses with this one, at least `minShared` (newest first on a tie).
 */
export function bestSmartMatch<T>(candidates: { email: T; addresses: Set<string> }[], addresses: Set<string>, minShared: number): { email: T; shared: number } | undefined {
  let best: { email: T; shared: number } | undefined;
  for (const c of candidates) {
    const shared = [...addresses].filter((a) => c.addresses.has(a)).length;
    if (shared >= minShared && (!best || shared > best.shared)) best = { email: c.email, shared };
  }
  return best;
}

function regardingOf(e: EmailEntity): RecordRef | undefined {
  return e.regardingType && e.regardingId ? { type: e.regardingType as RecordRef['type'], id: e.regardingId } : undefined;
}

/**
 * Correlation in the original's order: tracking token (when the deployment uses tokens),
 * In-Reply-To, References (newest first), then smart matching when it is on and the sender
 * is trusted.
 */
export async function correlate(
  emails: EmailsRepository, tracking: DeploymentTrackingV1, email: ParsedEmail, senderTrusted: boolean,
): Promise<TrackingFacts['correlation']> {
  const token = tracking.token.enabled ? findMangledTrackingToken(tokenSettings(tracking), email.subject) : undefined;
  const byToken = token ? await emails.findByTrackingToken(token) : null;
  if (byToken) return { activityId: byToken.id, regarding: regardingOf(byToken), rule: 'token', via: `tracking token ${token}` };
  if (email.inReplyTo) {
    const byReply = await emails.findByMessageIds([email.inReplyTo]);
    if (byReply) return { activityId: byReply.id, regarding: regardingOf(byReply), rule: 'in-reply-to', via: `In-Reply-To ${email.inReplyTo}` };
  }
  const refs = [...new Set([...email.references].reverse())];
  const byRefs = await emails.findByMessageIds(refs);
  if (byRefs) return { activityId: byRefs.id, regarding: regardingOf(byRefs), rule: 'references', via: `References ${byRefs.messageId}` };
  if (!tracking.smartMatching.enabled || !senderTrusted) return undefined;
  const subject = conversationSubject(email.subject, token);
  if (!subject) return undefined;
  const candidates = await emails.byConversationSubject(subject, SMART_MATCH_CANDIDATES);
  const best = bestSmartMatch(candidates, emailAddresses(email), tracking.smartMatching.minSharedAddresses);
  if (!best) return undefined;
  return {
    activityId: best.email.id, regarding: regardingOf(best.email), rule: 'smart-match',
    via: `smart matching: subject "${subject}" and ${best.shared} shared addresses (at least ${tracking.smartMatching.minSharedAddresses})`,
  };
}
