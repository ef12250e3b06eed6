import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { BackfillUseCase } from './backfill.usecase';

const BackfillBody = z.object({
  since: z.string().datetime({ offset: true, message: 'since must be an ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z' })
    .or(z.string().date('since must be an ISO 8601 date (2024-05-01) or date-time').transform((d) => `${d}T00:00:00Z`)),
});
type BackfillBody = z.infer<typeof BackfillBody>;

/** 200 with found/new when the mailbox's poll finished it in time, 202 when it is queued for the next poll. */
@Controller('api/v1/mailboxes')
export class BackfillController {
  constructor(private readonly backfill: BackfillUseCase) {}

  @Post(':id/backfill')
  async run(@Param('id') id: string, @Body(new ZodPipe(BackfillBody)) body: BackfillBody, @Res({ passthrough: true }) res: { status(code: number): unknown }) {
    const { httpStatus, reply } = await this.backfill.run(id, body.since);
    res.status(httpStatus);
    return reply;
  }
}
