import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { BackfillReplyV1 } from '@mailrouter/contracts';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, notFound, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';

/** How long the API waits for the mailbox's poll to finish the backfill before answering "queued". */
export const BACKFILL_WAIT_SECONDS = 20;

/** HTTP status of each backfill outcome. */
const STATUS: Record<BackfillReplyV1['status'], number> = { done: 200, queued: 202, failed: 502, 'not-served': 409, 'not-supported': 422 };

/** Asks incoming to take a mailbox's messages since a date (seen ones too), skipping those already received. */
@Injectable()
export class BackfillUseCase {
  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(mailboxId: string, since: string, waitSeconds = BACKFILL_WAIT_SECONDS): Promise<{ httpStatus: number; reply: BackfillReplyV1 }> {
    const mailbox = await this.mailboxes.find(mailboxId);
    if (!mailbox) throw notFound('mailbox', mailboxId);
    const answer = await this.services.ask('incomingBackfill', { mailboxId: mailbox.id, since, waitSeconds }, waitSeconds + this.settings.mailboxStatusTimeoutSeconds);
    if (!answer.ok) {
      if (answer.timedOut) throw serviceUnavailable(`the incoming service ${answer.message}`);
      throw badGateway(`the incoming service answered with an error: ${answer.message}`);
    }
    const httpStatus = STATUS[answer.reply.status];
    if (httpStatus >= 400) throw new HttpException({ statusCode: httpStatus, error: answer.reply.status, message: answer.reply.message }, httpStatus);
    return { httpStatus, reply: answer.reply };
  }
}
