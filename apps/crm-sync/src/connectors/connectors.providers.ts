import type { Provider } from '@nestjs/common';
import { CONNECTOR_SETTINGS, connectorSettingsFromEnv } from './connectors.settings';
import { CrmConnectors } from './crm-connectors.registry';

/** What AppModule adds for per-deployment connectors. */
export const CONNECTOR_PROVIDERS: Provider[] = [
  { provide: CONNECTOR_SETTINGS, useFactory: () => connectorSettingsFromEnv() },
  CrmConnectors,
];
