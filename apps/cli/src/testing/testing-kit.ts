import { createTestDatabase, deleteNatsPrefix, freePort, ServiceProcess, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import type { TestingKit } from './config-service';

/** The testing lib's real services for ConfigService: the machine's PostgreSQL and NATS, services as processes. */
export const testingKit: TestingKit = {
  createTestDatabase, testNatsPrefix, deleteNatsPrefix, freePort, natsUrl: TEST_NATS_URL,
  async startService(app, env, port, label) {
    const proc = new ServiceProcess(app, env, port, label);
    await proc.start();
    return proc;
  },
};
