import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { ComposeBody, EmailQuery } from './api.schemas';
import { EmailsUseCase } from './emails.usecase';

/** /crm/v1/emails: tracked and composed email activities. */
@Controller('crm/v1/emails')
export class EmailsController {
  constructor(private readonly emails: EmailsUseCase) {}

  @Get()
  list(@Query(new ZodPipe(EmailQuery)) query: EmailQuery) {
    return this.emails.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.emails.get(id);
  }

  @Post()
  @HttpCode(201)
  compose(@Body(new ZodPipe(ComposeBody)) body: ComposeBody) {
    return this.emails.compose(body);
  }

  @Post(':id/send')
  @HttpCode(200)
  send(@Param('id') id: string) {
    return this.emails.send(id);
  }
}
