import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule, MessagingSettings, MetricsModule, metricsSettingsFromEnv } from '@mailrouter/messaging';
import { BearerTokenGuard } from '@mailrouter/platform';
import { ConsoleModule } from './console/console.module';
import { dataSourceOptions } from './data-source';
import { CONFIG_ENTITIES } from './entities';
import { RulesDeployUseCase } from './mailboxes/rules-deploy.usecase';
import { CONFIG_SETTINGS, ConfigSettings, configSettingsFromEnv } from './settings';
import { DeploymentRepository } from './deployments/deployment.repository';
import { DeploymentsController } from './deployments/deployments.controller';
import { DeploymentsUseCase } from './deployments/deployments.usecase';
import { LoadDataUseCase } from './deployments/load-data.usecase';
import { MailboxRepository } from './mailboxes/mailbox.repository';
import { MailboxStatusUseCase } from './mailboxes/mailbox-status.usecase';
import { MailboxesController } from './mailboxes/mailboxes.controller';
import { MailboxesUseCase } from './mailboxes/mailboxes.usecase';
import { TestAccessUseCase } from './mailboxes/test-access.usecase';
import { ProfileRepository } from './profiles/profile.repository';
import { ProfilesController } from './profiles/profiles.controller';
import { ProfilesUseCase } from './profiles/profiles.usecase';
import { PublicationRepository } from './publish/publication.repository';
import { PublishController } from './publish/publish.controller';
import { PublishUseCase } from './publish/publish.usecase';
import { SecretBox } from './shared/secret-box';
import { ServicesRpcRepository } from './shared/services-rpc.repository';
import { TraceController } from './trace/trace.controller';
import { TraceUseCase } from './trace/trace.usecase';

/**
 * The configuration API, built from an environment (tests pass their own; the service
 * passes process.env). Settings are parsed when the app starts, so a bad variable stops it
 * with the variable's name.
 */
@Module({})
export class ConfigApiModule {
  static forEnv(env: NodeJS.ProcessEnv, messaging?: MessagingSettings): DynamicModule {
    return {
      module: ConfigApiModule,
      imports: [
        MessagingModule.forRoot('config', messaging),
        MetricsModule.forRoot('config', metricsSettingsFromEnv('config', env)),
        TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(env) }),
        TypeOrmModule.forFeature(CONFIG_ENTITIES),
        HealthModule,
        ConsoleModule,
      ],
      controllers: [ProfilesController, DeploymentsController, MailboxesController, PublishController, TraceController],
      providers: [
        { provide: CONFIG_SETTINGS, useFactory: () => configSettingsFromEnv(env) },
        {
          provide: APP_GUARD,
          inject: [CONFIG_SETTINGS],
          useFactory: (settings: ConfigSettings) => new BearerTokenGuard(settings.apiToken),
        },
        SecretBox,
        ServicesRpcRepository,
        ProfileRepository,
        DeploymentRepository,
        MailboxRepository,
        PublicationRepository,
        ProfilesUseCase,
        DeploymentsUseCase,
        MailboxesUseCase,
        LoadDataUseCase,
        TestAccessUseCase,
        RulesDeployUseCase,
        MailboxStatusUseCase,
        PublishUseCase,
        TraceUseCase,
      ],
    };
  }
}

@Module({ imports: [ConfigApiModule.forEnv(process.env)] })
export class AppModule {}
