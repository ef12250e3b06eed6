import 'reflect-metadata';
import { bootstrapService } from '@mailrouter/messaging';
import { AppModule } from './app.module';
import { dataSourceOptions } from './data-source';
import { configSettingsFromEnv } from './settings';

void bootstrapService({
  appName: 'config',
  module: AppModule,
  defaultPort: 3000,
  // Settings are checked first, so a bad variable stops the service (naming it) before it migrates.
  database: () => (configSettingsFromEnv(), dataSourceOptions()),
  rpc: false,
});
