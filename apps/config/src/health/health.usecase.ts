import { Inject, Injectable } from '@nestjs/common';
import type { MailboxHealthV1 } from '@mailrouter/contracts';
import { errorMessage } from '@mailrouter/platform';
import { ProfileRepository } from '../profiles/profile.repository';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { ConsumerLag, ConsumerLagRepository } from './consumer-lag.repository';
import { HealthAlert, mailboxAlerts } from './health-alerts';
import { ReplicaRegistry, ReplicaView } from './replica-registry';

export interface MailboxHealthView {
  id: string;
  address: string;
  deploymentId: string;
  profile: { id: string; name?: string } | null;
  state: MailboxHealthV1['state'];
  configVersion: number;
  lastPollAt?: string;
  nextPollAt?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  consecutiveFailures: number;
  lastError?: string;
  disabledAt?: string;
  disabledReason?: string;
  backlog: MailboxHealthV1['backlog'];
}

export interface ServiceHealthView {
  app: string;
  replicas: Omit<ReplicaView, 'app'>[];
  consumers: ConsumerLag[];
}

export interface HealthView {
  checkedAt: string;
  alerts: HealthAlert[];
  mailboxes: MailboxHealthView[];
  services: ServiceHealthView[];
}

/** Apps in the order the page lists them; a durable belongs to the app its name starts with (`crm-sync-received`). */
const APPS = ['config', 'incoming', 'crm-sync', 'outgoing'];

/**
 * GET /api/v1/health: every served mailbox (one request to incoming), every service's live
 * replicas (heartbeats) and its consumers' lag (JetStream), and the alerts they raise. A part
 * that cannot be read becomes an alert; the rest is still answered.
 */
@Injectable()
export class HealthUseCase {
  constructor(
    private readonly services: ServicesRpcRepository,
    private readonly profiles: ProfileRepository,
    private readonly replicas: ReplicaRegistry,
    private readonly lag: ConsumerLagRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(): Promise<HealthView> {
    const checkedAt = new Date().toISOString();
    const alerts: HealthAlert[] = [];
    const [answer, consumers] = await Promise.all([
      this.services.ask('incomingMailboxHealth', {}, this.settings.mailboxStatusTimeoutSeconds),
      this.lag.all().catch((err: unknown) => {
        alerts.push({ kind: 'jetstream-unavailable', severity: 'critical', since: checkedAt, message: `consumer lag could not be read from JetStream: ${errorMessage(err)}` });
        return [] as ConsumerLag[];
      }),
    ]);
    let mailboxes: MailboxHealthView[] = [];
    if (answer.ok) {
      const ids = [...new Set(answer.reply.mailboxes.map((m) => m.profileId).filter((id): id is string => !!id))];
      const names = new Map((await this.profiles.findMany(ids)).map((p) => [p.id, p.name]));
      mailboxes = answer.reply.mailboxes.map((m) => view(m, names.get(m.profileId ?? '')));
      alerts.push(...mailboxAlerts(answer.reply.mailboxes, (id) => names.get(id)));
    } else {
      alerts.push({ kind: 'incoming-unavailable', severity: 'critical', since: checkedAt, message: `the incoming service ${answer.message}: mailbox health unknown` });
    }
    alerts.sort((a, b) => (a.severity === b.severity ? a.since.localeCompare(b.since) : a.severity === 'critical' ? -1 : 1));
    return { checkedAt, alerts, mailboxes, services: servicesView(this.replicas.live(), consumers) };
  }
}

function view(m: MailboxHealthV1, profileName: string | undefined): MailboxHealthView {
  const { mailboxId, profileId, pollIntervalSeconds: _interval, ...rest } = m;
  return { id: mailboxId, ...rest, profile: profileId ? { id: profileId, ...(profileName ? { name: profileName } : {}) } : null };
}

function servicesView(replicas: ReplicaView[], consumers: ConsumerLag[]): ServiceHealthView[] {
  const appOf = (durable: string) => [...APPS].sort((a, b) => b.length - a.length).find((a) => durable.startsWith(`${a}-`)) ?? durable;
  const apps = [...new Set([...replicas.map((r) => r.app), ...consumers.map((c) => appOf(c.durable))])];
  const rank = (a: string) => (APPS.includes(a) ? APPS.indexOf(a) : APPS.length);
  apps.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return apps.map((app) => ({
    app,
    replicas: replicas.filter((r) => r.app === app).map(({ app: _a, ...r }) => r),
    consumers: consumers.filter((c) => appOf(c.durable) === app),
  }));
}
