import type { PublishedConfigV1 } from '@mailrouter/contracts';
import type { CrmConnector, OutgoingEmail } from '@mailrouter/domain';
import type { EventPublisher } from '@mailrouter/messaging';
import type { CrmConnectors } from '../connectors/crm-connectors.registry';
import type { CrmSettings } from '../settings';
import { DispatchOutgoingUseCase, HANDOVER_LEASE_MS } from './dispatch-outgoing.usecase';

const SEND_LEASE_MS = 600_000;
const endpoint = { profileId: 'p1', protocol: 'smtp' as const, host: 'smtp.test', port: 25, security: 'none' as const, auth: { type: 'none' as const }, allowInvalidCertificates: false, maxConnections: 4 };
const config: PublishedConfigV1 = {
  schema: 'mailrouter.config.v1', version: 1, publishedAt: new Date(0).toISOString(), deployments: [],
  mailboxes: [{ id: 'mbx-olga', deploymentId: 'd1', kind: 'user', address: 'olga@ours.test', crmId: 'olga', enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 60, outgoing: endpoint }],
};

function email(emailId: string, crmId = 'olga'): OutgoingEmail {
  return { emailId, claim: 1, owner: { kind: 'user', crmId }, from: { address: `${crmId}@ours.test` }, to: [{ address: 'bob@acme.test' }], cc: [], bcc: [], subject: emailId, references: [] };
}

function setup(claimed: OutgoingEmail[], opts: { confirms: boolean; failPublishOf?: string }) {
  const calls = { claimLeaseMs: 0, confirmed: [] as { emailId: string; claim: number }[], confirmLeaseMs: 0, failed: [] as string[] };
  const connector = {
    claimPendingOutgoing: async (_limit: number, leaseMs: number) => {
      calls.claimLeaseMs = leaseMs;
      return claimed;
    },
    markFailed: async (o: { emailId: string }) => void calls.failed.push(o.emailId),
    ...(opts.confirms ? {
      confirmHandedOver: async (claims: { emailId: string; claim: number }[], leaseMs: number) => {
        calls.confirmed.push(...claims);
        calls.confirmLeaseMs = leaseMs;
      },
    } : {}),
  } as unknown as CrmConnector;
  const connectors = { claimTargets: () => [{ connector }], dataverseDeploymentIds: () => new Set<string>() } as unknown as CrmConnectors;
  const publisher = {
    publish: async (_event: string, cmd: { emailId: string }) => {
      if (cmd.emailId === opts.failPublishOf) throw new Error('broker away');
    },
  } as unknown as EventPublisher;
  const settings = { claimBatchSize: 50, sendLeaseMs: SEND_LEASE_MS } as CrmSettings;
  return { useCase: new DispatchOutgoingUseCase(connectors, publisher, settings), calls };
}

describe('DispatchOutgoingUseCase: claim leases', () => {
  it('claims with the short hand-over lease, then holds for SEND_LEASE_MS only what reached the broker', async () => {
    const { useCase, calls } = setup([email('e1'), email('e2'), email('e3', 'nobody')], { confirms: true, failPublishOf: 'e2' });
    await useCase.claimAndDispatch(config);
    expect(calls.claimLeaseMs).toBe(HANDOVER_LEASE_MS);
    // e2's publish failed (comes back after the hand-over lease); e3 has no mailbox (failed, final).
    expect(calls.confirmed).toEqual([{ emailId: 'e1', claim: 1 }]);
    expect(calls.confirmLeaseMs).toBe(SEND_LEASE_MS);
    expect(calls.failed).toEqual(['e3']);
  });

  it('a CRM that cannot extend a claim is claimed for SEND_LEASE_MS at once', async () => {
    const { useCase, calls } = setup([email('e1')], { confirms: false });
    await useCase.claimAndDispatch(config);
    expect(calls.claimLeaseMs).toBe(SEND_LEASE_MS);
    expect(calls.confirmed).toEqual([]);
  });
});
