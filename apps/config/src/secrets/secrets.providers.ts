import { SealedSecretsRepository } from './sealed-secrets.repository';
import { SecretsController } from './secrets.controller';
import { SecretsUseCase } from './secrets.usecase';

/** Key rotation and its status: add to ConfigApiModule's controllers and providers. */
export const SECRETS_CONTROLLERS = [SecretsController];
export const SECRETS_PROVIDERS = [SealedSecretsRepository, SecretsUseCase];
