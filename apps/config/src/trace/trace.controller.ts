import { Controller, Get, Param, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { TraceQuery } from './trace.schemas';
import { TraceUseCase } from './trace.usecase';

/** "Why was this (not) tracked / sent", for incoming and outgoing mail alike. */
@Controller('api/v1/trace')
export class TraceController {
  constructor(private readonly trace: TraceUseCase) {}

  @Get()
  find(@Query(new ZodPipe(TraceQuery)) query: TraceQuery) {
    return this.trace.trace(query);
  }

  /** Shortcut: everything known of one Message-ID (with or without the angle brackets). */
  @Get(':messageId')
  byMessageId(@Param('messageId') messageId: string) {
    return this.trace.trace(new ZodPipe(TraceQuery).transform({ messageId }, { type: 'param' }));
  }
}
