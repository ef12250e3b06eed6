import { ExistingMailbox, planLoadData } from './load-data.plan';

const existing: ExistingMailbox[] = [
  { id: 'm1', kind: 'user', address: 'alice@example.com', crmId: 'u1', name: 'Alice' },
  { id: 'm2', kind: 'user', address: 'bob@example.com', crmId: null, name: null },
  { id: 'm3', kind: 'queue', address: 'sales@example.com', crmId: 'q1', name: 'Sales' },
];

describe('planLoadData', () => {
  it('creates new records, updates by CRM id or address, counts the unchanged', () => {
    const plan = planLoadData(existing, [
      { crmId: 'u1', kind: 'user', name: 'Alice', address: 'Alice.New@Example.com' },
      { crmId: 'u2', kind: 'user', name: 'Bob', address: 'bob@example.com' },
      { crmId: 'q1', kind: 'queue', name: 'Sales', address: 'sales@example.com' },
      { crmId: 'q2', kind: 'queue', name: 'Support', address: 'support@example.com' },
    ]);
    expect(plan.create).toEqual([{ kind: 'queue', address: 'support@example.com', crmId: 'q2', name: 'Support' }]);
    expect(plan.update).toEqual([
      { id: 'm1', changes: { address: 'alice.new@example.com' } },
      { id: 'm2', changes: { crmId: 'u2', name: 'Bob' } },
    ]);
    expect(plan.unchanged).toBe(1);
    expect(plan.skipped).toEqual([]);
  });

  it('is idempotent: the same records again change nothing', () => {
    const records = [{ crmId: 'u1', kind: 'user' as const, name: 'Alice', address: 'alice@example.com' }];
    expect(planLoadData(existing, records)).toEqual({ create: [], update: [], unchanged: 1, skipped: [] });
  });

  it('skips invalid addresses, duplicates and a move onto another mailbox address', () => {
    const plan = planLoadData(existing, [
      { crmId: 'x', kind: 'user', name: 'X', address: 'not an address' },
      { crmId: 'u1', kind: 'user', name: 'Alice', address: 'sales@example.com' },
      { crmId: 'n1', kind: 'user', name: 'N', address: 'n@example.com' },
      { crmId: 'n1', kind: 'user', name: 'N', address: 'n@example.com' },
    ]);
    expect(plan.skipped.map((s) => s.crmId)).toEqual(['x', 'u1', 'n1']);
    expect(plan.create).toHaveLength(1);
    expect(plan.update).toEqual([]);
  });
});
