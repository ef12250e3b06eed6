import { Injectable } from '@nestjs/common';
import type { TestAccessReplyV1, TestAccessRequestV1 } from '@mailrouter/contracts';
import { MailServerRepository } from './mail-server.repository';

/** Test access for real: connect, authenticate, open INBOX; the server's words on failure. */
@Injectable()
export class TestAccessUseCase {
  constructor(private readonly servers: MailServerRepository) {}

  async execute(req: TestAccessRequestV1): Promise<TestAccessReplyV1> {
    const check = await this.servers.testAccess(req.endpoint);
    return { status: check.status, message: check.message, testedAt: new Date().toISOString() };
  }
}
