import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { EnableMailboxUseCase } from './enable-mailbox.usecase';
import { HealthUseCase } from './health.usecase';

/** GET /api/v1/health (viewer) and POST /api/v1/mailboxes/{id}/enable (operator, by the role rule on `/enable`). */
@Controller('api/v1')
export class HealthApiController {
  constructor(private readonly health: HealthUseCase, private readonly enable: EnableMailboxUseCase) {}

  @Get('health')
  get() {
    return this.health.run();
  }

  /** Tests the mailbox's access for real; 200 when incoming enabled it again, 409 with the test's words when not. */
  @Post('mailboxes/:id/enable')
  @HttpCode(200)
  enableMailbox(@Param('id') id: string) {
    return this.enable.run(id);
  }
}
