import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { QuarantineAttachReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { AttachUseCase } from './attach.usecase';

/** The Configuration Manager's "Attach to…" on a quarantined message. */
@Controller()
export class QuarantineAttachNatsController {
  constructor(private readonly attach: AttachUseCase) {}

  @MessagePattern(rpcPattern('incomingQuarantineAttach'))
  attachByHand(@Payload() data: unknown): Promise<QuarantineAttachReplyV1> {
    return this.attach.attach(parseRpcRequest('incomingQuarantineAttach', data));
  }
}
