import { Injectable } from '@nestjs/common';
import { RpcClient } from '@mailrouter/messaging';
import type { RpcName, RpcReply, RpcRequest } from '@mailrouter/contracts';
import { errorMessage } from '@mailrouter/platform';

export type RpcOutcome<T> =
  | { ok: true; reply: T }
  | { ok: false; timedOut: boolean; message: string };

/** Questions to the other services over NATS request-reply; never throws, says what went wrong. */
@Injectable()
export class ServicesRpcRepository {
  constructor(private readonly rpc: RpcClient) {}

  async ask<R extends RpcName>(name: R, payload: RpcRequest<R>, timeoutSeconds: number): Promise<RpcOutcome<RpcReply<R>>> {
    try {
      return { ok: true, reply: await this.rpc.request(name, payload, timeoutSeconds * 1000) };
    } catch (err) {
      const e = err as { name?: string; message?: string } | undefined;
      if (e?.name === 'TimeoutError') {
        return { ok: false, timedOut: true, message: `did not answer within ${timeoutSeconds} s` };
      }
      // NATS tells at once when nobody subscribes: the service is not running, as good as silent.
      if (e?.name === 'EmptyResponseException' || /no subscribers listening/i.test(e?.message ?? '')) {
        return { ok: false, timedOut: true, message: `did not answer within ${timeoutSeconds} s (none is running)` };
      }
      return { ok: false, timedOut: false, message: rpcErrorText(err) };
    }
  }
}

/** An RpcException arrives as a plain object; a bad reply as a ZodError. */
function rpcErrorText(err: unknown): string {
  if (err instanceof Error) return /ZodError/.test(err.name) ? `gave an unreadable answer: ${err.message}` : err.message;
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; fields?: { field: string; message: string }[] };
    if (Array.isArray(e.fields)) return e.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    if (typeof e.message === 'string') return e.message;
    return JSON.stringify(err);
  }
  return errorMessage(err);
}
