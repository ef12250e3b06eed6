import {
  ArgumentMetadata, BadRequestException, CanActivate, ExecutionContext, Injectable, PipeTransform,
  UnauthorizedException,
} from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ZodType } from 'zod';

/** Field-level problems, as every 400 of the API reports them. */
export interface FieldProblem {
  field: string;
  message: string;
}

export function zodProblems(issues: { path: PropertyKey[]; message: string }[]): FieldProblem[] {
  return issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
}

export function badRequest(problems: FieldProblem[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    fields: problems,
  });
}

/** Validates a body (or query) against a zod schema; a 400 names each bad field. */
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}
  transform(value: unknown, _meta: ArgumentMetadata): T {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) throw badRequest(zodProblems(result.error.issues));
    return result.data;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** `Authorization: Bearer <ROUTER_API_TOKEN>`, compared in constant time. */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected: Buffer;
  constructor(token: string) {
    this.expected = digest(token);
  }
  canActivate(context: ExecutionContext): boolean {
    // Only HTTP requests carry the token; NATS request-reply handlers are inside the cluster.
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; url?: string }>();
    // The web console's static files carry no data; every API call it makes sends the token.
    if (req.url && /^\/(health|metrics|console)(\/|$|\?)/.test(req.url)) return true;
    const header = req.headers['authorization'] ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1].trim()), this.expected)) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: 'Missing or wrong API token (Authorization: Bearer …)' });
    }
    return true;
  }
}
