import { Body, Controller, Get, Param, Post } from '@nestjs/common';
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

  @Get(':version')
  get(@Param('version') version: string) {
    return this.publish.get(version);
  }
}
