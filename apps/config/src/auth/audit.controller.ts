import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '@mailrouter/platform';
import { AuditUseCase } from './audit.usecase';

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).transform((s) => new Date(s)).optional(),
});
type AuditQuery = z.infer<typeof AuditQuery>;

/** Admin and operator (by the guard's rule for /api/v1/audit). Newest first. */
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditUseCase) {}

  @Get()
  list(@Query(new ZodPipe(AuditQuery)) query: AuditQuery) {
    return this.audit.list(query);
  }
}
