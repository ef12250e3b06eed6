import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { CrmAttachReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { ManualAttachUseCase } from './manual-attach.usecase';

/** incoming's question when an administrator attaches a quarantined message to a chosen record. */
@Controller()
export class ManualAttachNatsController {
  constructor(private readonly attach: ManualAttachUseCase) {}

  @MessagePattern(rpcPattern('crmAttach'))
  attachByHand(@Payload() data: unknown): Promise<CrmAttachReplyV1> {
    return this.attach.attach(parseRpcRequest('crmAttach', data));
  }
}
