import { Inject, Injectable } from '@nestjs/common';
import type { TestAccessReplyV1, TestAccessRequestV1 } from '@mailrouter/contracts';
import { openEndpoint } from '@mailrouter/mail-adapters';
import { errorMessage } from '@mailrouter/platform';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';
import { OutgoingAccessRepository } from './outgoing-access.repository';

/** Tries a mailbox's outgoing access for real and says what the server said. */
@Injectable()
export class TestOutgoingAccessUseCase {
  constructor(
    private readonly access: OutgoingAccessRepository,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  async execute(req: TestAccessRequestV1): Promise<TestAccessReplyV1> {
    const testedAt = new Date().toISOString();
    let conn;
    try {
      conn = openEndpoint(req.endpoint, this.settings.secretKey);
    } catch (err) {
      return { status: 'failure', message: `cannot open the stored password (${errorMessage(err)}); is ROUTER_SECRET_KEY the same for config and outgoing?`, testedAt };
    }
    const check = await this.access.test(conn);
    return { status: check.status, message: check.message, testedAt };
  }
}
