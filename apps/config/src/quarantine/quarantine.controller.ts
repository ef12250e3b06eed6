import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { RECORD_TYPES } from '@mailrouter/domain';
import type { AuthRequest } from '../auth/principal';
import { QuarantineUseCase } from './quarantine.usecase';

const QuarantineQuery = z.object({
  mailboxId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
type QuarantineQuery = z.infer<typeof QuarantineQuery>;

const AttachBody = z.object({
  regarding: z.object({
    type: z.enum(RECORD_TYPES, { message: `regarding.type must be one of ${RECORD_TYPES.join(', ')}` }),
    id: z.string().trim().min(1, 'regarding.id must name the CRM record').max(200),
  }, { message: 'regarding must be { type, id }: the CRM record to attach the message to' }),
  ownerId: z.string().trim().min(1).max(200).optional(),
});
type AttachBody = z.infer<typeof AttachBody>;

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

  /** Attach by hand to a chosen CRM record, as an activity of the mailbox's owner (or ownerId). */
  @Post(':receivedId/attach')
  @HttpCode(200)
  attach(@Param('receivedId') receivedId: string, @Body(new ZodPipe(AttachBody)) body: AttachBody, @Req() req: AuthRequest) {
    return this.quarantine.attach(receivedId, body, req.principal?.name ?? 'an administrator');
  }

  @Post(':receivedId/discard')
  @HttpCode(200)
  discard(@Param('receivedId') receivedId: string) {
    return this.quarantine.act(receivedId, 'discard');
  }
}
