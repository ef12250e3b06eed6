import { Body, Controller, Get, HttpCode, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import type { ZodType } from 'zod';
import { OWNER_PATCHES, OwnerPatch, RECORD_BODIES, RecordBody, RecordKind } from './api.schemas';
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

  /** Users and queues: the tracking option, the address approval, delivery by the router. */
  @Patch(':kind/:id')
  update(@Param('kind') kind: string, @Param('id') id: string, @Body() body: unknown) {
    const def = OWNER_PATCHES[kind as keyof typeof OWNER_PATCHES];
    if (!def) throw new NotFoundException(`no such collection /crm/v1/${kind} to change`);
    return this.records.update(def.type, id, new ZodPipe<OwnerPatch>(def.schema as ZodType<OwnerPatch>).transform(body, { type: 'body' }));
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
