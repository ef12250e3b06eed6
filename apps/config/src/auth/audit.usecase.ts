import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditEventEntity } from './audit-event.entity';
import { AuditRepository } from './audit.repository';
import { maskSecrets } from './mask-secrets';
import type { Principal } from './principal';

export interface AuditedRequest {
  method: string;
  path: string;
  principal: Principal;
  status: number;
  targetId: string | null;
  body: unknown;
}

@Injectable()
export class AuditUseCase {
  constructor(private readonly audit: AuditRepository) {}

  async record(r: AuditedRequest): Promise<void> {
    const hasBody = r.body !== undefined && !(typeof r.body === 'object' && r.body !== null && Object.keys(r.body).length === 0);
    await this.audit.insert(Object.assign(new AuditEventEntity(), {
      id: randomUUID(), at: new Date(), method: r.method, path: r.path, principalName: r.principal.name,
      principalRole: r.principal.role, status: r.status, targetId: r.targetId, body: hasBody ? (maskSecrets(r.body) as AuditEventEntity['body']) : null,
    }));
  }

  async list(opts: { limit: number; since?: Date }) {
    return (await this.audit.list(opts)).map((e) => ({
      id: e.id, at: e.at, method: e.method, path: e.path, principal: { name: e.principalName, role: e.principalRole },
      status: e.status, targetId: e.targetId, body: e.body,
    }));
  }
}
