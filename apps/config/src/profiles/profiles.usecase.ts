import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { badRequest } from '@mailrouter/platform';
import { ProfileEntity } from '../entities';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { isForeignKeyViolation, isUniqueViolation } from '../shared/db-errors';
import { conflict, notFound } from '../shared/http-errors';
import { SecretBox } from '../shared/secret-box';
import { ProfileRepository } from './profile.repository';
import { draftProfile, ProfileDefaults, ProfileDraft, profileProblems } from './profile.rules';
import type { CreateProfileBody, UpdateProfileBody } from './profile.schemas';
import { profileDraftOf, profileView, ProfileView } from './profile.view';

@Injectable()
export class ProfilesUseCase {
  private readonly defaults: ProfileDefaults;

  constructor(
    private readonly profiles: ProfileRepository,
    private readonly secrets: SecretBox,
    @Inject(CONFIG_SETTINGS) settings: ConfigSettings,
  ) {
    this.defaults = { pollIntervalSeconds: settings.defaultPollIntervalSeconds, maxConnections: settings.defaultMaxConnections };
  }

  async list(): Promise<ProfileView[]> {
    return (await this.profiles.list()).map(profileView);
  }

  async get(id: string): Promise<ProfileView> {
    return profileView(await this.load(id));
  }

  async create(body: CreateProfileBody): Promise<ProfileView> {
    const draft = this.check(body, undefined);
    const entity = Object.assign(new ProfileEntity(), this.columns(draft), {
      id: randomUUID(),
    }, this.sealed(draft, body, undefined));
    return profileView(await this.unique(draft.name, entity.id, () => this.profiles.insert(entity)));
  }

  async update(id: string, body: UpdateProfileBody): Promise<ProfileView> {
    const current = await this.load(id);
    const draft = this.check(body, profileDraftOf(current));
    if (draft.direction !== current.direction) {
      const usage = await this.profiles.usage(id);
      if (usage.deployments + usage.mailboxes > 0) {
        throw conflict(`profile '${current.name}' is in use as an ${current.direction} profile (${describeUsage(usage)}); its direction cannot change`);
      }
    }
    const next = Object.assign(current, this.columns(draft), this.sealed(draft, body, current));
    return profileView(await this.unique(draft.name, id, () => this.profiles.save(next)));
  }

  async remove(id: string): Promise<void> {
    const current = await this.load(id);
    const usage = await this.profiles.usage(id);
    if (usage.deployments + usage.mailboxes > 0) {
      throw conflict(`profile '${current.name}' is used by ${describeUsage(usage)}`);
    }
    try {
      await this.profiles.delete(id);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw conflict(`profile '${current.name}' is in use`);
      throw err;
    }
  }

  private async load(id: string): Promise<ProfileEntity> {
    const found = await this.profiles.find(id);
    if (!found) throw notFound('profile', id);
    return found;
  }

  private check(body: UpdateProfileBody, current: ProfileDraft | undefined): ProfileDraft {
    const draft = draftProfile(body, current, this.defaults);
    const problems = profileProblems(draft, body);
    if (problems.length) throw badRequest(problems);
    return draft;
  }

  private columns(d: ProfileDraft): Omit<ProfileDraft, 'hasPassword' | 'hasGraphClientSecret' | 'hasGraphPrivateKey'> {
    const { hasPassword: _p, hasGraphClientSecret: _s, hasGraphPrivateKey: _k, ...columns } = d;
    return columns;
  }

  /**
   * The secrets to store, sealed: `undefined` keeps one, `null` clears it, a string replaces it;
   * those the protocol no longer uses are dropped (the draft says which are present).
   */
  private sealed(draft: ProfileDraft, body: UpdateProfileBody, current: ProfileEntity | undefined) {
    const keep = (has: boolean, update: () => SealedSecretV1 | null) => (has ? update() : null);
    const privateKey = body.graph?.certificate?.privateKey;
    return {
      password: keep(draft.hasPassword, () => this.secrets.sealUpdate(body.password, current?.password ?? null)),
      graphClientSecret: keep(draft.hasGraphClientSecret, () => this.secrets.sealUpdate(body.graph?.clientSecret, current?.graphClientSecret ?? null)),
      graphPrivateKey: keep(draft.hasGraphPrivateKey, () => (privateKey ? this.secrets.seal(privateKey) : current?.graphPrivateKey ?? null)),
    };
  }

  private async unique<T>(name: string, id: string, write: () => Promise<T>): Promise<T> {
    if (await this.profiles.nameTaken(name, id)) throw conflict(`a profile named '${name}' already exists`);
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a profile named '${name}' already exists`);
      throw err;
    }
  }
}

function describeUsage(u: { deployments: number; mailboxes: number }): string {
  return `${u.deployments} deployment(s) and ${u.mailboxes} mailbox(es)`;
}
