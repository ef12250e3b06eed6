import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { ConfigStore } from '@mailrouter/messaging';
import { errorMessage, openSecretWithKey, sealSecret, SecretOpenError } from '@mailrouter/platform';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { conflict } from '../shared/http-errors';
import { SealedArea, SealedSecretsRepository } from './sealed-secrets.repository';
import { countUnder, emptyTally, KidTally, mapSealedSecrets } from './sealed-values';

/** What one rotation did, per area. Counts only: no value, no key. */
export interface RotationCounts {
  /** Values opened under an older key (or without a key id) and sealed again under the current key. */
  resealed: number;
  /** Values already sealed under the current key, left as they were. */
  alreadyCurrent: number;
  /** Key id that opened each value before the rotation → how many. */
  byKid: Record<string, number>;
}

export interface RotationView extends RotationCounts {
  currentKid: string;
  /** The same counts for the snapshots of every published version (so a rollback works without the old key). */
  publications: RotationCounts;
  next: string;
}

export interface SecretsStatusView {
  currentKid: string;
  previousKids: string[];
  /** The editable configuration (profiles, mailboxes, deployments). */
  stored: KidTally;
  /** The snapshots of all published versions (what a rollback republishes). */
  publications: KidTally;
  /** The version the services run now (the key-value bucket); null when nothing is published. */
  running: (KidTally & { version: number }) | null;
  /** Previous keys that some value still needs: remove none of them from the services yet. */
  stillNeeded: string[];
  /** Previous keys no value needs any more: they may be removed (then restart the services). */
  removable: string[];
}

const NEXT_STEP = 'publish now (POST /api/v1/publish) so the services run values sealed under the current key; '
  + 'GET /api/v1/secrets/status says when the previous keys may be removed';

function emptyCounts(): RotationCounts {
  return { resealed: 0, alreadyCurrent: 0, byKid: {} };
}

/**
 * Key rotation: re-seals every stored secret under the current key (ROUTER_SECRET_KEY), while
 * ROUTER_SECRET_KEYS_PREVIOUS still opens the old ones; and says which keys values still need.
 */
@Injectable()
export class SecretsUseCase {
  private readonly log = new Logger(SecretsUseCase.name);

  constructor(
    private readonly sealed: SealedSecretsRepository,
    private readonly store: ConfigStore,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  /** All or nothing: one value no key opens stops the rotation with its place named (409). */
  async rotate(): Promise<RotationView> {
    const ring = this.settings.secretKey;
    const counts: Record<SealedArea, RotationCounts> = { stored: emptyCounts(), published: emptyCounts() };
    try {
      await this.sealed.rewrite((secret, area, where) => {
        const { plaintext, keyId } = this.open(secret, where);
        const c = counts[area];
        countUnder(c.byKid, keyId);
        if (secret.kid === ring.current.id) {
          c.alreadyCurrent++;
          return secret;
        }
        c.resealed++;
        return sealSecret(ring, plaintext);
      });
    } catch (err) {
      if (err instanceof SecretOpenError) throw conflict(`rotation not done, nothing changed: ${err.message}`);
      throw err;
    }
    const { stored, published } = counts;
    this.log.log(`secrets re-sealed under key id '${ring.current.id}': ${stored.resealed} stored (${stored.alreadyCurrent} already current), `
      + `${published.resealed} in published versions (${published.alreadyCurrent} already current)`);
    return { currentKid: ring.current.id, ...stored, publications: published, next: NEXT_STEP };
  }

  async status(): Promise<SecretsStatusView> {
    const ring = this.settings.secretKey;
    const tallies: Record<SealedArea, KidTally> = { stored: emptyTally(), published: emptyTally() };
    await this.sealed.read((secret, area) => {
      this.tally(tallies[area], secret);
      return secret;
    });
    const config = await this.store.read();
    let running: SecretsStatusView['running'] = null;
    if (config) {
      const tally = emptyTally();
      mapSealedSecrets(config, (s) => {
        this.tally(tally, s);
        return s;
      });
      running = { version: config.version, ...tally };
    }
    const needed = new Set([tallies.stored, tallies.published, running].flatMap((t) => (t ? Object.keys(t.byKid) : [])));
    const previousKids = ring.previous.map((k) => k.id);
    return {
      currentKid: ring.current.id,
      previousKids,
      stored: tallies.stored,
      publications: tallies.published,
      running,
      stillNeeded: previousKids.filter((id) => needed.has(id)),
      removable: previousKids.filter((id) => !needed.has(id)),
    };
  }

  private open(secret: SealedSecretV1, where: string): { plaintext: string; keyId: string } {
    try {
      return openSecretWithKey(this.settings.secretKey, secret);
    } catch (err) {
      if (err instanceof SecretOpenError) throw new SecretOpenError(`${where}: ${errorMessage(err)}`, err.kid);
      throw err;
    }
  }

  private tally(t: KidTally, secret: SealedSecretV1): void {
    t.total++;
    if (secret.kid === undefined) t.withoutKid++;
    try {
      countUnder(t.byKid, openSecretWithKey(this.settings.secretKey, secret).keyId);
    } catch {
      countUnder(t.unopenable, secret.kid ?? '(none)');
    }
  }
}
