import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, MicroserviceOptions, RpcException, Transport } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { RPCS, RpcName, RpcReply, RpcRequest, prefixed } from '@mailrouter/contracts';
import { natsEnv, parseEnv, zodProblems } from '@mailrouter/platform';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';

export const DEFAULT_RPC_TIMEOUT_MS = 20_000;

/**
 * The NATS subject of a request-reply pattern, for `@MessagePattern(rpcPattern('…'))`.
 * Read from the environment at decoration time (decorators are static).
 */
export function rpcPattern(name: RpcName): string {
  return prefixed(parseEnv(natsEnv).NATS_PREFIX, RPCS[name].subject);
}

/** Validates a request in a handler; a bad one is answered with the field problems. */
export function parseRpcRequest<R extends RpcName>(name: R, data: unknown): RpcRequest<R> {
  const result = RPCS[name].request.safeParse(data);
  if (!result.success) throw new RpcException({ status: 400, fields: zodProblems(result.error.issues) });
  return result.data as RpcRequest<R>;
}

/** Options for `app.connectMicroservice`: replicas of one app share requests (queue group). */
export function natsMicroserviceOptions(appName: string, settings: MessagingSettings): MicroserviceOptions {
  return {
    transport: Transport.NATS,
    options: { servers: settings.url.split(','), queue: `${settings.prefix}.${appName}`, name: `${settings.clientName}-rpc` },
  };
}

/** Typed request-reply client: the reply type follows from the request name. */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  private readonly client: ClientProxy;

  constructor(@Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings) {
    this.client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: settings.url.split(',') } });
  }

  async request<R extends RpcName>(name: R, payload: RpcRequest<R>, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<RpcReply<R>> {
    const def = RPCS[name];
    const body = def.request.parse(payload);
    const reply = await firstValueFrom(
      this.client.send(prefixed(this.settings.prefix, def.subject), body).pipe(timeout(timeoutMs)),
    );
    return def.reply.parse(reply) as RpcReply<R>;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
