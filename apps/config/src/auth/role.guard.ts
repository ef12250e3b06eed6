import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { AuthUseCase, TooManyAttempts } from './auth.usecase';
import { isOpenRoute, requiredRole, roleAtLeast } from './permissions';
import { AuthRequest, bearerOf, routePathOf } from './principal';

/**
 * The config API's only guard: who is calling (ROUTER_API_TOKEN, a session or a user's API
 * token), then whether their role may, by the rule in permissions.ts — never by a list of
 * routes, so routes added later are covered. /health, /metrics, /console and the login stay open.
 */
@Injectable()
export class RoleGuard implements CanActivate {
  constructor(private readonly auth: AuthUseCase) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // NATS request-reply handlers are inside the cluster; only HTTP carries a bearer.
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const path = routePathOf(req);
    if (isOpenRoute(path)) return true;
    try {
      req.principal = await this.auth.resolveBearer(bearerOf(req), req.ip ?? '');
    } catch (err) {
      if (err instanceof TooManyAttempts) {
        context.switchToHttp().getResponse<{ setHeader(n: string, v: string): void }>().setHeader('Retry-After', String(err.retryAfterSeconds));
      }
      throw err;
    }
    const needed = requiredRole(req.method, path);
    if (!roleAtLeast(req.principal.role, needed)) {
      throw new ForbiddenException({
        statusCode: 403, error: 'Forbidden', requiredRole: needed,
        message: `${req.method} ${req.path} needs the ${needed} role; ${req.principal.name} is ${req.principal.role}`,
      });
    }
    return true;
  }
}
