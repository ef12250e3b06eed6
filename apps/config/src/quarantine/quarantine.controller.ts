import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { QuarantineUseCase } from './quarantine.usecase';

const QuarantineQuery = z.object({
  mailboxId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
type QuarantineQuery = z.infer<typeof QuarantineQuery>;

/** Received messages the CRM quarantined: list, re-process after fixing the cause, or discard. */
@Controller('api/v1/quarantine')
export class QuarantineController {
  constructor(private readonly quarantine: QuarantineUseCase) {}

  @Get()
  list(@Query(new ZodPipe(QuarantineQuery)) query: QuarantineQuery) {
    return this.quarantine.list(query);
  }

  @Post(':receivedId/reprocess')
  @HttpCode(200)
  reprocess(@Param('receivedId') receivedId: string) {
    return this.quarantine.act(receivedId, 'reprocess');
  }

  @Post(':receivedId/discard')
  @HttpCode(200)
  discard(@Param('receivedId') receivedId: string) {
    return this.quarantine.act(receivedId, 'discard');
  }
}
