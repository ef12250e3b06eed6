import type { LoadDataReplyV1 } from '@mailrouter/contracts';
import { isPlainAddress, normalizeAddress } from '@mailrouter/domain';

type CrmRecord = LoadDataReplyV1['records'][number];

export interface ExistingMailbox {
  id: string;
  kind: 'user' | 'queue' | 'forward';
  address: string;
  crmId: string | null;
  name: string | null;
}

export interface MailboxFields {
  kind: 'user' | 'queue';
  address: string;
  crmId: string;
  name: string | null;
}

export interface LoadDataPlan {
  create: MailboxFields[];
  update: { id: string; changes: Partial<MailboxFields> }[];
  unchanged: number;
  skipped: { crmId: string; address: string; reason: string }[];
}

/**
 * Decides what loading the CRM's users and queues does to a deployment's mailboxes: a record
 * matches the mailbox of the same CRM id, else of the same address; a match is updated when
 * it differs, a record without one becomes a new enabled mailbox.
 */
export function planLoadData(existing: ExistingMailbox[], records: CrmRecord[]): LoadDataPlan {
  const plan: LoadDataPlan = { create: [], update: [], unchanged: 0, skipped: [] };
  const byCrmId = new Map<string, string>();
  const byAddress = new Map<string, string>();
  const state = new Map<string, MailboxFields | ExistingMailbox>();
  const remember = (key: string, m: MailboxFields | ExistingMailbox) => {
    state.set(key, m);
    if (m.crmId) byCrmId.set(m.crmId, key);
    byAddress.set(m.address, key);
  };
  existing.forEach((m) => remember(m.id, m));
  records.forEach((record, index) => {
    const address = normalizeAddress(record.address);
    if (!isPlainAddress(address)) {
      plan.skipped.push({ crmId: record.crmId, address: record.address, reason: 'not a valid e-mail address' });
      return;
    }
    const wanted: MailboxFields = { kind: record.kind, address, crmId: record.crmId, name: record.name || null };
    const key = byCrmId.get(record.crmId) ?? byAddress.get(address);
    if (key === undefined) {
      plan.create.push(wanted);
      remember(`new:${index}`, wanted);
      return;
    }
    if (key.startsWith('new:')) {
      plan.skipped.push({ crmId: record.crmId, address, reason: 'the CRM listed this user or queue twice' });
      return;
    }
    const holder = byAddress.get(address);
    if (holder !== undefined && holder !== key) {
      plan.skipped.push({ crmId: record.crmId, address, reason: 'another mailbox of the deployment has this address' });
      return;
    }
    const current = state.get(key)!;
    const changes: Partial<MailboxFields> = {};
    for (const field of ['kind', 'address', 'crmId', 'name'] as const) {
      if (current[field] !== wanted[field]) Object.assign(changes, { [field]: wanted[field] });
    }
    if (Object.keys(changes).length === 0) {
      plan.unchanged += 1;
      return;
    }
    const pending = plan.update.find((u) => u.id === key);
    if (pending) Object.assign(pending.changes, changes);
    else plan.update.push({ id: key, changes });
    if (current.address !== address) byAddress.delete(current.address);
    remember(key, { ...current, ...changes } as ExistingMailbox);
  });
  return plan;
}
