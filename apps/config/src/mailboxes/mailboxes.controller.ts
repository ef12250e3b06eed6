import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ZodPipe } from '@mailrouter/platform';
import { CreateMailboxBody, MailboxListQuery, RulesDeployBody, UpdateMailboxBody } from './mailbox.schemas';
import { MailboxesUseCase } from './mailboxes.usecase';
import { MailboxStatusUseCase } from './mailbox-status.usecase';
import { RulesDeployUseCase } from './rules-deploy.usecase';
import { TestAccessUseCase } from './test-access.usecase';

@Controller('api/v1/mailboxes')
export class MailboxesController {
  constructor(
    private readonly mailboxes: MailboxesUseCase,
    private readonly testAccess: TestAccessUseCase,
    private readonly status: MailboxStatusUseCase,
    private readonly rules: RulesDeployUseCase,
  ) {}

  /** Deploys (or removes) the rules forwarding users' mail to a forward mailbox; reports per mailbox. */
  @Post('rules/deploy')
  @HttpCode(200)
  deployRules(@Body(new ZodPipe(RulesDeployBody)) body: RulesDeployBody) {
    return this.rules.run(body);
  }

  @Post()
  create(@Body(new ZodPipe(CreateMailboxBody)) body: CreateMailboxBody) {
    return this.mailboxes.create(body);
  }

  @Get()
  list(@Query(new ZodPipe(MailboxListQuery)) query: MailboxListQuery) {
    return this.mailboxes.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.mailboxes.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body(new ZodPipe(UpdateMailboxBody)) body: UpdateMailboxBody) {
    return this.mailboxes.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.mailboxes.remove(id);
  }

  /** Tries the mailbox's incoming and outgoing access now; keeps and returns the results. */
  @Post(':id/test-access')
  @HttpCode(200)
  test(@Param('id') id: string) {
    return this.testAccess.run(id);
  }

  @Get(':id/status')
  mailboxStatus(@Param('id') id: string) {
    return this.status.run(id);
  }
}
