import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { from, Observable, mergeMap } from 'rxjs';
import { errorMessage } from '@mailrouter/platform';
import { AuditUseCase } from './audit.usecase';
import type { AuthRequest } from './principal';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes an audit event for every successful mutating request, after its handler succeeded and
 * before the answer leaves, so a client that saw the 2xx finds the event. A failed audit write
 * is logged, not turned into an error: the change itself is already committed.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');

  constructor(private readonly audit: AuditUseCase, private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const res = context.switchToHttp().getResponse<{ statusCode: number }>();
    if (READS.has(req.method)) return next.handle();
    return next.handle().pipe(mergeMap((result) => from(this.record(context, req, res, result).then(() => result))));
  }

  private async record(context: ExecutionContext, req: AuthRequest, res: { statusCode: number }, result: unknown): Promise<void> {
    // Set by the guard, or by the login handler for the user it signed in.
    if (!req.principal) return;
    const declared = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler());
    // A handler using @Res({passthrough}) sets its own status before returning.
    const status = declared ?? (res.statusCode !== 200 ? res.statusCode : req.method === 'POST' ? 201 : 200);
    const params = Object.values(req.params ?? {});
    const created = result && typeof result === 'object' && typeof (result as { id?: unknown }).id === 'string' ? (result as { id: string }).id : null;
    try {
      await this.audit.record({
        method: req.method, path: req.path, principal: req.principal, status,
        targetId: params.length ? String(params[params.length - 1]) : created, body: req.body,
      });
    } catch (err) {
      this.logger.error(`audit event for ${req.method} ${req.path} not written: ${errorMessage(err)}`);
    }
  }
}
