import { Inject, Injectable, Logger } from '@nestjs/common';
import { PublishedConfigV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import { CrmConnector, OutgoingEmail } from '@mailrouter/domain';
import { EventPublisher } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { CRM_CONNECTOR } from '../crm-connector.token';
import { CRM_SETTINGS, CrmSettings } from '../settings';

/**
 * The outgoing flow's first half: claim the CRM's pending-send email (with a lease) and hand
 * each one to `outgoing` as a send command from the owner's published mailbox.
 */
@Injectable()
export class DispatchOutgoingUseCase {
  private readonly log = new Logger(DispatchOutgoingUseCase.name);

  constructor(
    @Inject(CRM_CONNECTOR) private readonly connector: CrmConnector,
    private readonly publisher: EventPublisher,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  /** One claim round; returns how many emails were claimed. */
  async claimAndDispatch(config: PublishedConfigV1): Promise<number> {
    const claimed = await this.connector.claimPendingOutgoing(this.settings.claimBatchSize, this.settings.sendLeaseMs);
    for (const email of claimed) {
      try {
        await this.dispatch(config, email);
      } catch (err) {
        // Stays `sending`: reclaimed when its lease runs out.
        this.log.warn(`could not hand email ${email.emailId} (claim ${email.claim}) to outgoing: ${errorMessage(err)}`);
      }
    }
    return claimed.length;
  }

  private async dispatch(config: PublishedConfigV1, email: OutgoingEmail): Promise<void> {
    const mailbox = senderMailbox(config, email);
    if (!mailbox) {
      await this.connector.markFailed({
        emailId: email.emailId, messageId: '', deliveryAttempts: 0,
        reason: `no published mailbox with an outgoing profile for ${email.from.address}`,
      });
      return;
    }
    await this.publisher.publish('sendCommand', {
      emailId: email.emailId, claim: email.claim, deploymentId: mailbox.deploymentId, mailboxId: mailbox.id,
      from: email.from, to: email.to, cc: email.cc, bcc: email.bcc,
      subject: email.subject, trackingToken: email.trackingToken, text: email.text, html: email.html,
      inReplyTo: email.inReplyTo, references: email.references,
    }, `${email.emailId}:${email.claim}`);
  }
}

/** The published mailbox of the email's owner that can send (an outgoing endpoint); enabled ones first. */
export function senderMailbox(config: PublishedConfigV1, email: Pick<OutgoingEmail, 'owner'>): PublishedMailboxV1 | undefined {
  const candidates = config.mailboxes.filter((m) => m.kind === email.owner.kind && m.crmId === email.owner.crmId && m.outgoing);
  return candidates.find((m) => m.enabled) ?? candidates[0];
}
