import { Controller, Get, Param, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { ReceivedQuery } from './api.schemas';
import { TrailUseCase } from './trail.usecase';

/** /crm/v1/received (the trail) and /crm/v1/quarantine. */
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
}
