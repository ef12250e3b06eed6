import 'reflect-metadata';
import { bootstrapService } from '@mailrouter/messaging';
import { AppModule } from './app.module';
import { dataSourceOptions } from './data-source';

void bootstrapService({ appName: 'outgoing', module: AppModule, defaultPort: 3003, database: () => dataSourceOptions(), rpc: true });
