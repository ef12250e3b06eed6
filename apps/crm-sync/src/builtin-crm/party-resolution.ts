import type { EmailAddress, RecordRef, ResolvedParty } from '@mailrouter/domain';
import type { NewParty } from './emails.repository';

export interface PartyOptions {
  /** An address matching several records stays unresolved (instead of linking every match). */
  leaveAmbiguousUnresolved: boolean;
  /** The sender is not trusted (DMARC failed): it is not linked to any record. */
  distrustSender?: boolean;
}

/**
 * The parties of an email, resolved by address only (display names never decide), in the
 * original's order (user, contact, account, lead, queue — the order of `matches`' lists):
 * the sender is its first record; a recipient is linked to every record its address
 * belongs to, one party row each. `leaveAmbiguousUnresolved` leaves an address with several
 * records unresolved.
 */
export function resolveParties(
  list: (EmailAddress & { role: NewParty['role'] })[],
  matches: Map<string, RecordRef[]>,
  options: PartyOptions,
): { rows: NewParty[]; resolved: ResolvedParty[] } {
  const rows: NewParty[] = [];
  const resolved: ResolvedParty[] = [];
  for (const p of list) {
    const all = p.role === 'from' && options.distrustSender ? [] : (matches.get(p.address) ?? []);
    const ambiguous = all.length > 1 && options.leaveAmbiguousUnresolved;
    const linked = ambiguous ? [] : p.role === 'from' ? all.slice(0, 1) : all;
    const base = { role: p.role, address: p.address, name: p.name ?? null };
    if (!linked.length) rows.push({ ...base, recordType: null, recordId: null });
    for (const r of linked) rows.push({ ...base, recordType: r.type, recordId: r.id });
    resolved.push({ role: p.role, address: p.address, ...(p.name ? { name: p.name } : {}), records: linked, ...(ambiguous ? { ambiguous: true } : {}) });
  }
  return { rows, resolved };
}
