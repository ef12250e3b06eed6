import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import type { ZodType } from 'zod';
import { RECORD_BODIES, RecordBody, RecordKind } from './api.schemas';
import { RecordsUseCase } from './records.usecase';

/** /crm/v1/{users,queues,contacts,accounts,leads}[/:id] (registered after the other /crm/v1 routes). */
@Controller('crm/v1')
export class RecordsController {
  constructor(private readonly records: RecordsUseCase) {}

  @Post(':kind')
  @HttpCode(201)
  create(@Param('kind') kind: string, @Body() body: unknown) {
    RecordsUseCase.typeOf(kind);
    const k = kind as RecordKind;
    return this.records.create(k, new ZodPipe<RecordBody>(RECORD_BODIES[k].schema as ZodType<RecordBody>).transform(body, { type: 'body' }));
  }

  @Get(':kind')
  list(@Param('kind') kind: string) {
    return this.records.list(kind);
  }

  @Get(':kind/:id')
  get(@Param('kind') kind: string, @Param('id') id: string) {
    return this.records.get(kind, id);
  }
}
