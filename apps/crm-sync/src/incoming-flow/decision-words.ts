import type { CheckIncomingResult, MailInspection, ResolvedParty } from '@mailrouter/domain';

const RULE_WORDS: Record<string, string> = {
  'token': 'the tracking token', 'in-reply-to': 'In-Reply-To', 'references': 'References', 'smart-match': 'smart matching',
};

function partyWords(p: ResolvedParty): string {
  const who = p.ambiguous ? 'ambiguous, left unresolved' : p.records.length ? p.records.map((r) => `${r.type} ${r.id}`).join(' and ') : 'unresolved';
  return `${p.role} ${p.address} (${who})`;
}

/**
 * The trail's sentence: the CRM's reason, then how the message was correlated, who its
 * parties are, how its sender authenticated and whether it is automatic mail.
 */
export function describeDecision(check: CheckIncomingResult, inspection: MailInspection): string {
  const words = [check.reasonText.replace(/\.$/, '')];
  if (check.correlationRule && check.correlationRule !== 'none') words.push(`correlated by ${RULE_WORDS[check.correlationRule]}`);
  else if (check.correlationRule === 'none') words.push('no correlation');
  if (check.parties?.length) words.push(`parties: ${check.parties.map(partyWords).join(', ')}`);
  const auth = inspection.authentication;
  if (auth) words.push(`authentication: DMARC ${auth.dmarc} for ${auth.fromDomain || 'no domain'} (${auth.summary})`);
  const automatic = inspection.automatic;
  if (automatic?.kind) words.push(`automatic mail: ${automatic.kind} (${automatic.reason})`);
  if (inspection.bounce) words.push(`a bounce${inspection.bounce.emailId ? ` of email ${inspection.bounce.emailId}` : ''}: ${inspection.bounce.diagnostic}`);
  return words.join('; ');
}

/** One attached message's verdict, as the forward wrapper's summary lists it. */
export interface ForwardedVerdict {
  outcome: 'tracked' | 'ignored' | 'quarantined';
  reason: string;
  reasonText: string;
  activityId?: string;
}

/**
 * The wrapper's verdict sentence: whose forward it was, then each attached message's outcome
 * (its own trail row, `<receivedId>#fwd<n>`, has the full reason) and what was skipped.
 */
export function describeForward(forwardedBy: string, verdicts: ForwardedVerdict[], skipped: number, max: number, note?: string): string {
  const each = verdicts.map((v, i) => `#${i + 1} ${v.outcome} (${v.reason}${v.activityId ? `, activity ${v.activityId}` : ''})`);
  const words = [`forward from ${forwardedBy}: ${verdicts.length} attached message${verdicts.length === 1 ? '' : 's'} tracked as ${forwardedBy}'s mail: ${each.join(', ')}`];
  if (skipped > 0) words.push(`${skipped} more attached message${skipped === 1 ? '' : 's'} skipped (at most ${max} are taken from one forward)`);
  if (note) words.push(note);
  return words.join('; ');
}
