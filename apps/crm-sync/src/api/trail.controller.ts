import { Controller, Get, Param, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { ListQuery, ReceivedQuery } from './api.schemas';
import { TrailUseCase } from './trail.usecase';

/** /crm/v1/received (the trail), /crm/v1/quarantine, /crm/v1/alerts and /crm/v1/queues/:id/items. */
@Controller('crm/v1')
export class TrailController {
  constructor(private readonly trail: TrailUseCase) {}

  @Get('received')
  list(@Query(new ZodPipe(ReceivedQuery)) query: ReceivedQuery) {
    return this.trail.list(query);
  }

  @Get('received/:receivedId')
  get(@Param('receivedId') receivedId: string) {
    return this.trail.get(receivedId);
  }

  @Get('quarantine')
  quarantine() {
    return this.trail.quarantine();
  }

  @Get('alerts')
  alerts(@Query(new ZodPipe(ListQuery)) query: ListQuery) {
    return this.trail.alerts(query.limit);
  }

  @Get('queues/:id/items')
  queueItems(@Param('id') id: string, @Query(new ZodPipe(ListQuery)) query: ListQuery) {
    return this.trail.queueItems(id, query.limit);
  }
}
