import type { RecordRef } from '@mailrouter/domain';
import { resolveParties } from './party-resolution';

const matches = new Map<string, RecordRef[]>([
  ['shared@acme.test', [{ type: 'contact', id: 'c1' }, { type: 'lead', id: 'l1' }]],
  ['ann@ours.test', [{ type: 'user', id: 'u1' }]],
]);
const list = [
  { role: 'from' as const, address: 'shared@acme.test', name: 'Shared' },
  { role: 'to' as const, address: 'ann@ours.test' },
  { role: 'cc' as const, address: 'shared@acme.test' },
  { role: 'cc' as const, address: 'nobody@x.test', name: 'ann@ours.test' },
];

describe('resolveParties', () => {
  it('links the sender to its first record, a recipient to every record of its address; names decide nothing', () => {
    const { rows, resolved } = resolveParties(list, matches, { leaveAmbiguousUnresolved: false });
    expect(rows.map((r) => [r.role, r.address, r.recordType, r.recordId])).toEqual([
      ['from', 'shared@acme.test', 'contact', 'c1'],
      ['to', 'ann@ours.test', 'user', 'u1'],
      ['cc', 'shared@acme.test', 'contact', 'c1'],
      ['cc', 'shared@acme.test', 'lead', 'l1'],
      ['cc', 'nobody@x.test', null, null],
    ]);
    expect(resolved[2]).toEqual({ role: 'cc', address: 'shared@acme.test', records: [{ type: 'contact', id: 'c1' }, { type: 'lead', id: 'l1' }] });
  });

  it('leaves ambiguous addresses unresolved when asked, and says so', () => {
    const { rows, resolved } = resolveParties(list, matches, { leaveAmbiguousUnresolved: true });
    expect(rows.filter((r) => r.address === 'shared@acme.test').map((r) => r.recordId)).toEqual([null, null]);
    expect(rows.find((r) => r.address === 'ann@ours.test')?.recordId).toBe('u1');
    expect(resolved[0]).toMatchObject({ ambiguous: true, records: [] });
  });

  it('does not link a sender that is not trusted', () => {
    const { rows } = resolveParties(list, matches, { leaveAmbiguousUnresolved: false, distrustSender: true });
    expect(rows[0]).toMatchObject({ role: 'from', recordId: null });
    expect(rows[1]).toMatchObject({ role: 'to', recordId: 'u1' });
  });
});
