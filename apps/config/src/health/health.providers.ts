import { ConsumerLagRepository } from './consumer-lag.repository';
import { EnableMailboxUseCase } from './enable-mailbox.usecase';
import { HealthApiController } from './health.controller';
import { HealthUseCase } from './health.usecase';
import { ReplicaRegistry } from './replica-registry';

/** The health view and "Test & Enable": add to ConfigApiModule's controllers and providers. */
export const HEALTH_CONTROLLERS = [HealthApiController];
export const HEALTH_PROVIDERS = [ReplicaRegistry, ConsumerLagRepository, HealthUseCase, EnableMailboxUseCase];
