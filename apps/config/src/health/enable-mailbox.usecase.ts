import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type { MailboxEnableReplyV1 } from '@mailrouter/contracts';
import { MailboxTestView } from '../mailboxes/mailbox.view';
import { TestAccessUseCase } from '../mailboxes/test-access.usecase';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';

export interface EnableMailboxView {
  mailboxId: string;
  test: MailboxTestView;
  incoming: MailboxEnableReplyV1;
}

/**
 * "Test & Enable" (the original's button): a mailbox incoming disabled after repeated failures
 * is tested for real first (the same test access as POST …/test-access, results kept on the
 * mailbox); only when its incoming access works is incoming asked to enable it again.
 */
@Injectable()
export class EnableMailboxUseCase {
  private readonly log = new Logger(EnableMailboxUseCase.name);

  constructor(
    private readonly testAccess: TestAccessUseCase,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(mailboxId: string): Promise<EnableMailboxView> {
    const test = await this.testAccess.run(mailboxId);
    if (test.incoming.status !== 'success') {
      throw conflict(`not enabled: the incoming test access ${test.incoming.status === 'failure' ? 'failed' : 'did not run'}: ${test.incoming.message}`, { test });
    }
    const answer = await this.services.ask('incomingMailboxEnable', { mailboxId }, this.settings.mailboxStatusTimeoutSeconds);
    if (!answer.ok) {
      if (answer.timedOut) throw serviceUnavailable(`the incoming service ${answer.message}`);
      throw badGateway(`the incoming service answered with an error: ${answer.message}`);
    }
    if (answer.reply.status === 'not-served') throw conflict(answer.reply.message, { test, incoming: answer.reply });
    this.log.log(`mailbox ${mailboxId}: ${answer.reply.message}`);
    return { mailboxId, test, incoming: answer.reply };
  }
}

function conflict(message: string, extra: Record<string, unknown>): HttpException {
  return new HttpException({ statusCode: 409, error: 'Conflict', message, ...extra }, 409);
}
