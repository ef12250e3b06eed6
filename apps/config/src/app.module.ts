import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule, MessagingSettings, MetricsModule, metricsSettingsFromEnv } from '@mailrouter/messaging';
import { AUTH_CONTROLLERS, AUTH_PROVIDERS } from './auth/auth.providers';
import { HEALTH_CONTROLLERS, HEALTH_PROVIDERS } from './health/health.providers';
import { SECRETS_CONTROLLERS, SECRETS_PROVIDERS } from './secrets/secrets.providers';
import { ConsoleModule } from './console/console.module';
import { dataSourceOptions } from './data-source';
import { CONFIG_ENTITIES } from './entities';
import { RulesDeployUseCase } from './mailboxes/rules-deploy.usecase';
import { BackfillController } from './backfill/backfill.controller';
import { BackfillUseCase } from './backfill/backfill.usecase';
import { QuarantineController } from './quarantine/quarantine.controller';
import { QuarantineUseCase } from './quarantine/quarantine.usecase';
import { TestAccessJobStore } from './test-access-jobs/test-access-job.store';
import { TestAccessJobsController } from './test-access-jobs/test-access-jobs.controller';
import { TestAccessJobsUseCase } from './test-access-jobs/test-access-jobs.usecase';
import { CONFIG_SETTINGS, configSettingsFromEnv } from './settings';
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
      controllers: [ProfilesController, DeploymentsController, MailboxesController, PublishController, TraceController, TestAccessJobsController, QuarantineController, BackfillController, ...AUTH_CONTROLLERS, ...HEALTH_CONTROLLERS, ...SECRETS_CONTROLLERS],
      providers: [
        { provide: CONFIG_SETTINGS, useFactory: () => configSettingsFromEnv(env) },
        // Roles by rule over every route (auth/role.guard.ts) and the audit log of every change.
        ...AUTH_PROVIDERS,
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
        TestAccessJobStore,
        QuarantineUseCase,
        BackfillUseCase,
        TestAccessJobsUseCase,
        MailboxStatusUseCase,
        PublishUseCase,
        TraceUseCase,
        ...HEALTH_PROVIDERS,
        ...SECRETS_PROVIDERS,
      ],
    };
  }
}

@Module({ imports: [ConfigApiModule.forEnv(process.env)] })
export class AppModule {}
