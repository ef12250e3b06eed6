import type { MailboxHealthV1 } from '@mailrouter/contracts';
import { mailboxAlerts } from './health-alerts';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const mbx = (id: string, profileId: string, over: Partial<MailboxHealthV1> = {}): MailboxHealthV1 => ({
  mailboxId: id, address: `${id}@contoso.test`, deploymentId: 'd', profileId, configVersion: 1, state: 'ok', pollIntervalSeconds: 60,
  consecutiveFailures: 0, backlog: { awaitingVerdict: 0, unpublished: 0 }, ...over,
});

describe('health alerts', () => {
  it('raises one critical alert per disabled mailbox with its reason', () => {
    const alerts = mailboxAlerts([mbx('a', 'p', { state: 'disabled', disabledAt: ago(5), disabledReason: 'Authentication failed.', consecutiveFailures: 10 })], () => 'IMAP', NOW);
    expect(alerts).toContainEqual(expect.objectContaining({
      kind: 'mailbox-disabled', severity: 'critical', mailboxId: 'a', since: ago(5),
      message: 'a@contoso.test is disabled after 10 failed polls in a row: Authentication failed.',
    }));
  });

  it('names a profile when more than half of its mailboxes failed within the last hour, and not at exactly half', () => {
    const three = [mbx('a', 'p', { lastFailureAt: ago(10) }), mbx('b', 'p', { lastFailureAt: ago(50) }), mbx('c', 'p')];
    expect(mailboxAlerts(three, () => 'Contoso IMAP', NOW)).toEqual([expect.objectContaining({
      kind: 'profile-failing', profileId: 'p', since: ago(50),
      message: expect.stringContaining('2 of 3 mailboxes of incoming profile "Contoso IMAP" failed within the last hour'),
    })]);
    const half = [mbx('a', 'p', { lastFailureAt: ago(10) }), mbx('b', 'p')];
    expect(mailboxAlerts(half, () => 'x', NOW)).toEqual([]);
  });

  it('does not count failures older than an hour, but counts disabled mailboxes', () => {
    const old = [mbx('a', 'p', { lastFailureAt: ago(61) }), mbx('b', 'p', { lastFailureAt: ago(90) }), mbx('c', 'p')];
    expect(mailboxAlerts(old, () => 'x', NOW)).toEqual([]);
    const disabled = [mbx('a', 'p', { disabledAt: ago(120), lastFailureAt: ago(120) }), mbx('b', 'q')];
    expect(mailboxAlerts(disabled, () => 'x', NOW).map((a) => a.kind).sort()).toEqual(['mailbox-disabled', 'profile-failing']);
  });
});
