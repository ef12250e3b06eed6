import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { badRequest, FieldProblem } from '@mailrouter/platform';
import { MailboxEntity } from '../entities';
import { DeploymentRepository } from '../deployments/deployment.repository';
import { ProfileRepository } from '../profiles/profile.repository';
import { profileReferenceProblems } from '../profiles/profile-references';
import { isForeignKeyViolation, isUniqueViolation } from '../shared/db-errors';
import { conflict, notFound } from '../shared/http-errors';
import { SecretBox } from '../shared/secret-box';
import { MailboxRepository } from './mailbox.repository';
import type { CreateMailboxBody, MailboxListQuery, UpdateMailboxBody } from './mailbox.schemas';
import { mailboxView, MailboxView } from './mailbox.view';

/** Fields whose change makes the last test-access result say nothing about the mailbox. */
const ACCESS_FIELDS = ['deploymentId', 'address', 'username', 'password', 'incomingProfileId', 'outgoingProfileId'] as const;

@Injectable()
export class MailboxesUseCase {
  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly deployments: DeploymentRepository,
    private readonly profiles: ProfileRepository,
    private readonly secrets: SecretBox,
  ) {}

  async list(query: MailboxListQuery): Promise<MailboxView[]> {
    return (await this.mailboxes.list(query.deploymentId)).map(mailboxView);
  }

  async get(id: string): Promise<MailboxView> {
    return mailboxView(await this.load(id));
  }

  async create(body: CreateMailboxBody): Promise<MailboxView> {
    const entity = Object.assign(new MailboxEntity(), {
      id: randomUUID(),
      deploymentId: body.deploymentId,
      kind: body.kind,
      address: body.address,
      name: body.name ?? null,
      crmId: body.crmId ?? null,
      username: body.username ?? null,
      password: body.password ? this.secrets.seal(body.password) : null,
      incomingProfileId: body.incomingProfileId ?? null,
      outgoingProfileId: body.outgoingProfileId ?? null,
      deleteAfterProcessing: body.deleteAfterProcessing,
      enabled: body.enabled,
    });
    await this.checkReferences(entity);
    return mailboxView(await this.write(entity, () => this.mailboxes.insert(entity)));
  }

  async update(id: string, body: UpdateMailboxBody): Promise<MailboxView> {
    const current = await this.load(id);
    const { password, ...rest } = body;
    const changed = ACCESS_FIELDS.some((f) => body[f] !== undefined && (f === 'password' || body[f] !== current[f]));
    const next = Object.assign(current, definedOnly(rest), {
      password: this.secrets.sealUpdate(password, current.password),
    });
    if (changed) {
      Object.assign(next, {
        incomingTestStatus: 'not-run', incomingTestMessage: '', incomingTestedAt: null,
        outgoingTestStatus: 'not-run', outgoingTestMessage: '', outgoingTestedAt: null,
      });
    }
    await this.checkReferences(next);
    return mailboxView(await this.write(next, () => this.mailboxes.save(next)));
  }

  async remove(id: string): Promise<void> {
    await this.load(id);
    await this.mailboxes.delete(id);
  }

  private async load(id: string): Promise<MailboxEntity> {
    const found = await this.mailboxes.find(id);
    if (!found) throw notFound('mailbox', id);
    return found;
  }

  private async checkReferences(m: MailboxEntity): Promise<void> {
    const problems: FieldProblem[] = [];
    if (!(await this.deployments.find(m.deploymentId))) {
      problems.push({ field: 'deploymentId', message: `no deployment ${m.deploymentId}` });
    }
    const refs = [
      { field: 'incomingProfileId', id: m.incomingProfileId, direction: 'incoming' as const },
      { field: 'outgoingProfileId', id: m.outgoingProfileId, direction: 'outgoing' as const },
    ];
    const found = await this.profiles.findMany(refs.flatMap((r) => (r.id ? [r.id] : [])));
    problems.push(...profileReferenceProblems(refs, found));
    if (problems.length) throw badRequest(problems);
  }

  private async write<T>(m: MailboxEntity, write: () => Promise<T>): Promise<T> {
    if (await this.mailboxes.addressTaken(m.deploymentId, m.address, m.id)) {
      throw conflict(`the deployment already has a mailbox ${m.address}`);
    }
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`the deployment already has a mailbox ${m.address}`);
      if (isForeignKeyViolation(err)) throw conflict('a deployment or profile it names was deleted meanwhile');
      throw err;
    }
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
