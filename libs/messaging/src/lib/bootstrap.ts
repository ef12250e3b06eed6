import { INestApplication, Logger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSourceOptions } from 'typeorm';
import { errorMessage, logEnv, migrateDatabase, parseEnv, portEnv } from '@mailrouter/platform';
import { messagingSettingsFromEnv } from './messaging.settings';
import { natsMicroserviceOptions } from './rpc';
import { MailRouterLogger } from './observability/json-logger';
import { startTracing } from './observability/tracing';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export interface ServiceBootstrap {
  appName: string;
  module: Type<unknown>;
  defaultPort: number;
  /** The app's TypeORM options: its schema is created and migrated before the app starts. */
  database?: () => DataSourceOptions;
  /** Parses the app's own settings first, so a bad variable stops it before anything else. */
  settings?: () => unknown;
  /** Answer request-reply patterns (@MessagePattern) over NATS. */
  rpc?: boolean;
}

/**
 * Starts one service: validates the environment (a bad variable stops it with its name),
 * migrates its schema, starts HTTP (API + health) and the NATS request-reply server, and
 * shuts down gracefully on SIGTERM.
 */
export async function bootstrapService(spec: ServiceBootstrap): Promise<INestApplication> {
  const log = new Logger(spec.appName);
  try {
    const { LOG_LEVEL, LOG_FORMAT } = parseEnv(logEnv);
    const logLevels = LEVELS.slice(0, LEVELS.indexOf(LOG_LEVEL) + 1);
    const logger = new MailRouterLogger(spec.appName, LOG_FORMAT, logLevels);
    Logger.overrideLogger(logger);
    const tracing = startTracing(spec.appName);
    const port = parseEnv(portEnv('PORT', spec.defaultPort)).PORT as number;
    spec.settings?.();
    if (spec.database) {
      const ran = await migrateDatabase(spec.database());
      if (ran.length) log.log(`migrated: ${ran.join(', ')}`);
    }
    const app = await NestFactory.create(spec.module, { logger });
    app.enableShutdownHooks();
    if (spec.rpc) {
      app.connectMicroservice(natsMicroserviceOptions(spec.appName, messagingSettingsFromEnv(spec.appName)), { inheritAppConfig: true });
      await app.startAllMicroservices();
    }
    await app.listen(port, process.env.HOST ?? '0.0.0.0');
    log.log(`${spec.appName} listening on :${port}; logs ${LOG_FORMAT}, traces ${tracing.exporting ? 'exported over OTLP' : 'not exported (OTEL_EXPORTER_OTLP_ENDPOINT unset)'}`);
    return app;
  } catch (err) {
    log.error(`${spec.appName} failed to start: ${errorMessage(err)}`);
    process.exit(1);
  }
}
