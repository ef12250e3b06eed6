import { Inject, Injectable, Logger } from '@nestjs/common';
import { PublishedConfigV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import { OutgoingEmail } from '@mailrouter/domain';
import { EventPublisher } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { ClaimTarget, CrmConnectors } from '../connectors/crm-connectors.registry';
import { CRM_SETTINGS, CrmSettings } from '../settings';

/** Send commands published at once by one claim round (each awaits its ack). */
export const DISPATCH_WINDOW = 16;

/**
 * Lease of a claim until its send command is in the broker (for a CRM that can extend claims):
 * a claimer killed between claim and hand-over leaves `sending` rows that nothing would send,
 * so they must come back soon, not after SEND_LEASE_MS. Once handed over, the claim is held
 * for SEND_LEASE_MS. Generous against a slow publish: a claim taken back early only costs a
 * second command, which outgoing's send log answers without sending again.
 */
export const HANDOVER_LEASE_MS = 30_000;

/**
 * The outgoing flow's first half: claim each CRM's pending-send email (with a lease) — the
 * built-in CRM once, each Dataverse deployment on its own — and hand each email to `outgoing`
 * as a send command from the owner's published mailbox of that deployment.
 */
@Injectable()
export class DispatchOutgoingUseCase {
  private readonly log = new Logger(DispatchOutgoingUseCase.name);

  constructor(
    private readonly connectors: CrmConnectors,
    private readonly publisher: EventPublisher,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  /** One claim round over every connector; returns the most emails one connector had claimed. */
  async claimAndDispatch(config: PublishedConfigV1): Promise<number> {
    let most = 0;
    for (const target of this.connectors.claimTargets(config)) {
      try {
        most = Math.max(most, await this.claimFrom(config, target));
      } catch (err) {
        this.log.warn(`claiming from ${target.deploymentId ? `deployment ${target.deploymentId}` : 'the built-in CRM'} failed: ${errorMessage(err)}`);
      }
    }
    return most;
  }

  private async claimFrom(config: PublishedConfigV1, target: ClaimTarget): Promise<number> {
    const { connector } = target;
    const sendLeaseMs = this.settings.sendLeaseMs;
    const confirm = connector.confirmHandedOver?.bind(connector);
    const claimLeaseMs = confirm ? Math.min(HANDOVER_LEASE_MS, sendLeaseMs) : sendLeaseMs;
    const claimed = await connector.claimPendingOutgoing(this.settings.claimBatchSize, claimLeaseMs);
    const mailboxes = this.mailboxesOf(config, target);
    const handedOver: OutgoingEmail[] = [];
    // Pipelined: up to DISPATCH_WINDOW publishes wait for their acks at once (each is still
    // acked before the round ends; order between emails never mattered).
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < claimed.length) {
        const email = claimed[next++];
        try {
          if (await this.dispatch(mailboxes, target, email)) handedOver.push(email);
        } catch (err) {
          // Stays `sending`: reclaimed when its (hand-over) lease runs out.
          this.log.warn(`could not hand email ${email.emailId} (claim ${email.claim}) to outgoing: ${errorMessage(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DISPATCH_WINDOW, claimed.length) }, worker));
    if (confirm && handedOver.length && claimLeaseMs < sendLeaseMs) {
      try {
        await confirm(handedOver.map(({ emailId, claim }) => ({ emailId, claim })), sendLeaseMs);
      } catch (err) {
        // Their commands are in the broker: claimed again early, they only cost a second command.
        this.log.warn(`could not hold ${handedOver.length} handed-over claim(s) for ${sendLeaseMs} ms: ${errorMessage(err)}`);
      }
    }
    return claimed.length;
  }

  /** A Dataverse deployment sends from its own mailboxes; the built-in CRM from every other deployment's. */
  private mailboxesOf(config: PublishedConfigV1, target: ClaimTarget): PublishedMailboxV1[] {
    if (target.deploymentId) return config.mailboxes.filter((m) => m.deploymentId === target.deploymentId);
    const dataverse = this.connectors.dataverseDeploymentIds(config);
    return config.mailboxes.filter((m) => !dataverse.has(m.deploymentId));
  }

  /** Publishes the email's send command (true), or fails the email when it has nowhere to go from (false). */
  private async dispatch(mailboxes: PublishedMailboxV1[], target: ClaimTarget, email: OutgoingEmail): Promise<boolean> {
    const mailbox = senderMailbox(mailboxes, email);
    if (!mailbox) {
      await target.connector.markFailed({
        emailId: email.emailId, messageId: '', deliveryAttempts: 0,
        reason: `no published mailbox with an outgoing profile for ${email.from.address}`,
      });
      return false;
    }
    await this.publisher.publish('sendCommand', {
      emailId: email.emailId, claim: email.claim, deploymentId: mailbox.deploymentId, mailboxId: mailbox.id,
      from: email.from, to: email.to, cc: email.cc, bcc: email.bcc,
      subject: email.subject, trackingToken: email.trackingToken, text: email.text, html: email.html,
      inReplyTo: email.inReplyTo, references: email.references,
    }, `${email.emailId}:${email.claim}`);
    return true;
  }
}

/** The published mailbox of the email's owner that can send (an outgoing endpoint); enabled ones first. */
export function senderMailbox(mailboxes: PublishedMailboxV1[], email: Pick<OutgoingEmail, 'owner'>): PublishedMailboxV1 | undefined {
  const candidates = mailboxes.filter((m) => m.kind === email.owner.kind && m.crmId === email.owner.crmId && m.outgoing);
  return candidates.find((m) => m.enabled) ?? candidates[0];
}
