import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { badRequest } from '@mailrouter/platform';
import { DeploymentEntity } from '../entities';
import { ProfileRepository } from '../profiles/profile.repository';
import { profileReferenceProblems } from '../profiles/profile-references';
import { isForeignKeyViolation, isUniqueViolation } from '../shared/db-errors';
import { conflict, notFound } from '../shared/http-errors';
import { SecretBox } from '../shared/secret-box';
import { applyCrmPatch, BUILTIN_CRM, StoredCrm } from './deployment-crm';
import { applyTrackingPatch, storedTracking } from './deployment-settings';
import { DeploymentRepository } from './deployment.repository';
import type { CreateDeploymentBody, UpdateDeploymentBody } from './deployment.schemas';
import { deploymentView, DeploymentView } from './deployment.view';

@Injectable()
export class DeploymentsUseCase {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly profiles: ProfileRepository,
    private readonly secrets: SecretBox,
  ) {}

  async list(): Promise<DeploymentView[]> {
    return (await this.deployments.list()).map(deploymentView);
  }

  async get(id: string): Promise<DeploymentView> {
    return deploymentView(await this.load(id));
  }

  async create(body: CreateDeploymentBody): Promise<DeploymentView> {
    const entity = Object.assign(new DeploymentEntity(), {
      id: randomUUID(),
      name: body.name,
      ...this.crm(BUILTIN_CRM, body.crm),
      tracking: applyTrackingPatch(storedTracking({}), body.tracking),
      incomingProfileId: body.incomingProfileId ?? null,
      outgoingProfileId: body.outgoingProfileId ?? null,
    });
    await this.checkProfiles(entity);
    return deploymentView(await this.write(entity, () => this.deployments.insert(entity)));
  }

  async update(id: string, body: UpdateDeploymentBody): Promise<DeploymentView> {
    const current = await this.load(id);
    const next = Object.assign(current, {
      name: body.name ?? current.name,
      ...this.crm(current, body.crm),
      tracking: applyTrackingPatch(storedTracking(current.tracking), body.tracking),
      incomingProfileId: body.incomingProfileId === undefined ? current.incomingProfileId : body.incomingProfileId,
      outgoingProfileId: body.outgoingProfileId === undefined ? current.outgoingProfileId : body.outgoingProfileId,
    });
    await this.checkProfiles(next);
    return deploymentView(await this.write(next, () => this.deployments.save(next)));
  }

  async remove(id: string): Promise<void> {
    const current = await this.load(id);
    const mailboxes = await this.deployments.countMailboxes(id);
    if (mailboxes > 0) throw conflict(`deployment '${current.name}' has ${mailboxes} mailbox(es): delete them first`);
    try {
      await this.deployments.delete(id);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw conflict(`deployment '${current.name}' has mailboxes: delete them first`);
      throw err;
    }
  }

  private async load(id: string): Promise<DeploymentEntity> {
    const found = await this.deployments.find(id);
    if (!found) throw notFound('deployment', id);
    return found;
  }

  /** The connection after the body's changes, the secret sealed; 400 naming each missing field. */
  private crm(current: StoredCrm, patch: UpdateDeploymentBody['crm']): StoredCrm {
    const result = applyCrmPatch(current, patch, (plaintext) => this.secrets.seal(plaintext));
    if ('problems' in result) throw badRequest(result.problems);
    return result.crm;
  }

  private async checkProfiles(d: DeploymentEntity): Promise<void> {
    const refs = [
      { field: 'incomingProfileId', id: d.incomingProfileId, direction: 'incoming' as const },
      { field: 'outgoingProfileId', id: d.outgoingProfileId, direction: 'outgoing' as const },
    ];
    const found = await this.profiles.findMany(refs.flatMap((r) => (r.id ? [r.id] : [])));
    const problems = profileReferenceProblems(refs, found);
    if (problems.length) throw badRequest(problems);
  }

  private async write<T>(d: DeploymentEntity, write: () => Promise<T>): Promise<T> {
    const name = d.name;
    if (await this.deployments.nameTaken(name, d.id)) throw conflict(`a deployment named '${name}' already exists`);
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a deployment named '${name}' already exists`);
      if (isForeignKeyViolation(err)) throw conflict('a profile it names was deleted meanwhile');
      throw err;
    }
  }
}
