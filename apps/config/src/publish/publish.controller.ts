import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { PublishUseCase } from './publish.usecase';

const PublishBody = z.object({ comment: z.string().trim().max(1000).optional() });
type PublishBody = z.infer<typeof PublishBody>;

@Controller('api/v1/publish')
export class PublishController {
  constructor(private readonly publish: PublishUseCase) {}

  @Post()
  create(@Body(new ZodPipe(PublishBody)) body: PublishBody) {
    return this.publish.publish(body.comment);
  }

  @Get()
  list() {
    return this.publish.list();
  }

  /** What publishing the draft now would change against `against` (default: the running version). */
  @Get('diff')
  diff(@Query('against') against?: string) {
    return this.publish.diff(against);
  }

  /** Publishes version N's snapshot again as a new version; the draft is not changed. */
  @Post(':version/rollback')
  @HttpCode(201)
  rollback(@Param('version') version: string, @Body(new ZodPipe(PublishBody)) body: PublishBody) {
    return this.publish.rollback(version, body.comment);
  }

  @Get(':version')
  get(@Param('version') version: string) {
    return this.publish.get(version);
  }
}
