import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { CrmTraceReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { CrmTraceUseCase } from './crm-trace.usecase';

/** Trace (asked by config): the trail and the CRM's email matching the filters. */
@Controller()
export class CrmTraceNatsController {
  constructor(private readonly trace: CrmTraceUseCase) {}

  @MessagePattern(rpcPattern('crmTrace'))
  crmTrace(@Payload() data: unknown): Promise<CrmTraceReplyV1> {
    return this.trace.execute(parseRpcRequest('crmTrace', data));
  }
}
