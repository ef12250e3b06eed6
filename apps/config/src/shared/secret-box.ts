import { Inject, Injectable } from '@nestjs/common';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { sealSecret } from '@mailrouter/platform';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';

/** Seals passwords as they arrive; the API never opens them again (the workers do). */
@Injectable()
export class SecretBox {
  constructor(@Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings) {}

  seal(plaintext: string): SealedSecretV1 {
    return sealSecret(this.settings.secretKey, plaintext);
  }

  /** `undefined` keeps the stored secret, `null` clears it, a string replaces it. */
  sealUpdate(input: string | null | undefined, current: SealedSecretV1 | null): SealedSecretV1 | null {
    if (input === undefined) return current;
    return input === null ? null : this.seal(input);
  }
}
