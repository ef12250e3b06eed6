import type { MailboxHealthV1 } from '@mailrouter/contracts';

export interface HealthAlert {
  kind: 'mailbox-disabled' | 'profile-failing' | 'incoming-unavailable' | 'jetstream-unavailable';
  severity: 'critical' | 'warning';
  message: string;
  mailboxId?: string;
  profileId?: string;
  since: string;
}

/** The original's rule: more than half of a profile's mailboxes failing within an hour. */
export const PROFILE_FAILING_WINDOW_MS = 60 * 60 * 1000;

/**
 * Alerts of the mailboxes incoming serves: each disabled mailbox, and each incoming profile
 * more than half of whose mailboxes failed within the last hour (disabled ones count as failed).
 */
export function mailboxAlerts(mailboxes: MailboxHealthV1[], profileName: (id: string) => string | undefined, now = Date.now()): HealthAlert[] {
  const alerts: HealthAlert[] = [];
  for (const m of mailboxes) {
    if (!m.disabledAt) continue;
    alerts.push({
      kind: 'mailbox-disabled', severity: 'critical', mailboxId: m.mailboxId, since: m.disabledAt,
      message: `${m.address} is disabled after ${m.consecutiveFailures} failed polls in a row: ${m.disabledReason ?? m.lastError ?? 'no error recorded'}`,
    });
  }
  const byProfile = new Map<string, MailboxHealthV1[]>();
  for (const m of mailboxes) if (m.profileId) byProfile.set(m.profileId, [...(byProfile.get(m.profileId) ?? []), m]);
  for (const [profileId, all] of byProfile) {
    const failed = all.filter((m) => m.disabledAt || (m.lastFailureAt && now - Date.parse(m.lastFailureAt) <= PROFILE_FAILING_WINDOW_MS));
    if (failed.length * 2 <= all.length) continue;
    const name = profileName(profileId);
    const since = failed.map((m) => m.lastFailureAt ?? m.disabledAt!).sort()[0];
    alerts.push({
      kind: 'profile-failing', severity: 'warning', profileId, since,
      message: `${failed.length} of ${all.length} mailboxes of incoming profile ${name ? `"${name}"` : profileId} failed within the last hour` +
        ' — the server, the network or the profile\'s settings are the likely cause',
    });
  }
  return alerts;
}
