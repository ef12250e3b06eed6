import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { TestAccessReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { TestOutgoingAccessUseCase } from './test-outgoing-access.usecase';

/** Request-reply: config asks whether a mailbox's outgoing access works. */
@Controller()
export class TestAccessNatsController {
  constructor(private readonly testAccess: TestOutgoingAccessUseCase) {}

  @MessagePattern(rpcPattern('outgoingTestAccess'))
  testOutgoingAccess(@Payload() data: unknown): Promise<TestAccessReplyV1> {
    return this.testAccess.execute(parseRpcRequest('outgoingTestAccess', data));
  }
}
