import { startTestDovecot } from './lib/test-dovecot';

/** Jest global setup of the integration and e2e projects: the shared test Dovecot. */
export default async function globalSetup(): Promise<void> {
  startTestDovecot();
}
