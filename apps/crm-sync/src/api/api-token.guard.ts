import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { BearerTokenGuard } from '@mailrouter/platform';

/** BearerTokenGuard for HTTP only: NATS request-reply handlers are not HTTP requests. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly bearer: BearerTokenGuard) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    return this.bearer.canActivate(context);
  }
}
