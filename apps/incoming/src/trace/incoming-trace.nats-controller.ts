import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { IncomingTraceReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { IncomingTraceUseCase } from './incoming-trace.usecase';

/** Trace (asked by config): what incoming found, published and settled. */
@Controller()
export class IncomingTraceNatsController {
  constructor(private readonly trace: IncomingTraceUseCase) {}

  @MessagePattern(rpcPattern('incomingTrace'))
  incomingTrace(@Payload() data: unknown): Promise<IncomingTraceReplyV1> {
    return this.trace.execute(parseRpcRequest('incomingTrace', data));
  }
}
