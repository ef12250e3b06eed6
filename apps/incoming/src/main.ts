import 'reflect-metadata';
import { bootstrapService } from '@mailrouter/messaging';
import { AppModule } from './app.module';
import { dataSourceOptions } from './data-source';

void bootstrapService({ appName: 'incoming', module: AppModule, defaultPort: 3002, database: () => dataSourceOptions(), rpc: true });
