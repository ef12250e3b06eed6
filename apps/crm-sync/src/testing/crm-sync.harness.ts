import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { messagingSettingsFromEnv, natsMicroserviceOptions } from '@mailrouter/messaging';
import { migrateDatabase } from '@mailrouter/platform';

export const TEST_API_TOKEN = 'crm-sync-test-token-0123456789';

export interface CrmSyncUnderTest {
  app: INestApplication;
  /** Calls the REST API with the bearer token; returns status and parsed body. */
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/**
 * Starts crm-sync in this process as main.ts does (schema migrated, HTTP on a free port, NATS
 * request-reply), with `env` applied first: the module reads its settings when imported.
 */
export async function startCrmSync(env: Record<string, string>): Promise<CrmSyncUnderTest> {
  Object.assign(process.env, { ROUTER_API_TOKEN: TEST_API_TOKEN, ...env });
  const { AppModule } = await import('../app.module');
  const { dataSourceOptions } = await import('../data-source');
  await migrateDatabase(dataSourceOptions());
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.connectMicroservice(natsMicroserviceOptions('crm-sync', messagingSettingsFromEnv('crm-sync')), { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    async api(method, path, body, token = TEST_API_TOKEN) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => app.close(),
  };
}
