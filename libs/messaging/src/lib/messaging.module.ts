import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { connectNats, NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings, messagingSettingsFromEnv } from './messaging.settings';
import { ensureStreams } from './topology';
import { EventPublisher } from './event-publisher';
import { EventConsumers } from './event-consumer';
import { RawMailStore } from './raw-mail-store';
import { ConfigStore } from './config-store';
import { RpcClient } from './rpc';
import { heartbeatProvider } from './heartbeat';
import { stopTracing } from './observability/tracing';

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly consumers: EventConsumers,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.consumers.onApplicationShutdown();
    await this.nc.drain().catch(() => undefined);
    await stopTracing(); // the spans not yet exported
  }
}

/** NATS and JetStream for one app: connection, streams, typed publish/consume, stores, RPC. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(appName: string, settings?: MessagingSettings): DynamicModule {
    const resolved = settings ?? messagingSettingsFromEnv(appName);
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_SETTINGS, useValue: resolved },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connectNats(resolved);
            await ensureStreams(nc, resolved.prefix, resolved.replicas ?? 1);
            return nc;
          },
        },
        EventPublisher,
        EventConsumers,
        RawMailStore,
        ConfigStore,
        RpcClient,
        NatsLifecycle,
        heartbeatProvider(appName),
      ],
      exports: [MESSAGING_SETTINGS, NATS_CONNECTION, EventPublisher, EventConsumers, RawMailStore, ConfigStore, RpcClient],
    };
  }
}
