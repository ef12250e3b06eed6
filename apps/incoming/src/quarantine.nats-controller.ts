import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { BackfillReplyV1, QuarantineActionReplyV1, QuarantineListReplyV1 } from '@mailrouter/contracts';
import { parseRpcRequest, rpcPattern } from '@mailrouter/messaging';
import { BackfillUseCase } from './backfill.usecase';
import { ReprocessUseCase } from './reprocess.usecase';

/** What incoming answers for the Configuration Manager's quarantine and backfill pages. */
@Controller()
export class QuarantineNatsController {
  constructor(private readonly reprocess: ReprocessUseCase, private readonly backfill: BackfillUseCase) {}

  @MessagePattern(rpcPattern('incomingQuarantineList'))
  quarantineList(@Payload() data: unknown): Promise<QuarantineListReplyV1> {
    return this.reprocess.list(parseRpcRequest('incomingQuarantineList', data));
  }

  @MessagePattern(rpcPattern('incomingQuarantineAction'))
  quarantineAction(@Payload() data: unknown): Promise<QuarantineActionReplyV1> {
    return this.reprocess.act(parseRpcRequest('incomingQuarantineAction', data));
  }

  @MessagePattern(rpcPattern('incomingBackfill'))
  backfillMailbox(@Payload() data: unknown): Promise<BackfillReplyV1> {
    return this.backfill.request(parseRpcRequest('incomingBackfill', data));
  }
}
