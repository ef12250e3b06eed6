import 'reflect-metadata';
import { bootstrapService } from '@mailrouter/messaging';
import { AppModule } from './app.module';
import { dataSourceOptions } from './data-source';

void bootstrapService({ appName: 'crm-sync', module: AppModule, defaultPort: 3001, database: () => dataSourceOptions(), rpc: true });
