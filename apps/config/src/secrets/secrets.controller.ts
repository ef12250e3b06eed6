import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { SecretsUseCase } from './secrets.usecase';

/**
 * POST /api/v1/secrets/rotate (admin: not an operator action in auth/permissions.ts, audited
 * like every change) and GET /api/v1/secrets/status (counts per key id, no values).
 */
@Controller('api/v1/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsUseCase) {}

  @Post('rotate')
  @HttpCode(200)
  rotate() {
    return this.secrets.rotate();
  }

  @Get('status')
  status() {
    return this.secrets.status();
  }
}
