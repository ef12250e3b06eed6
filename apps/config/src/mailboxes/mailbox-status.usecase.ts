import { Inject, Injectable } from '@nestjs/common';
import type { MailboxStatusReplyV1 } from '@mailrouter/contracts';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, notFound, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { MailboxRepository } from './mailbox.repository';
import { mailboxTestView, MailboxTestView } from './mailbox.view';

export interface MailboxStatusView {
  mailboxId: string;
  test: MailboxTestView;
  incoming: MailboxStatusReplyV1;
}

/** What the running incoming service knows of a mailbox, with its last test results. */
@Injectable()
export class MailboxStatusUseCase {
  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(mailboxId: string): Promise<MailboxStatusView> {
    const mailbox = await this.mailboxes.find(mailboxId);
    if (!mailbox) throw notFound('mailbox', mailboxId);
    const answer = await this.services.ask('incomingMailboxStatus', { mailboxId: mailbox.id }, this.settings.mailboxStatusTimeoutSeconds);
    if (!answer.ok) {
      if (answer.timedOut) throw serviceUnavailable(`the incoming service ${answer.message}`);
      throw badGateway(`the incoming service answered with an error: ${answer.message}`);
    }
    return { mailboxId: mailbox.id, test: mailboxTestView(mailbox), incoming: answer.reply };
  }
}
