import { randomUUID } from 'node:crypto';
import type { Row } from './odata-filter';

/** Entity sets the emulator serves and the primary id attribute of each (as in Dataverse). */
export const ENTITY_SETS = {
  systemusers: { logicalName: 'systemuser', id: 'systemuserid' },
  queues: { logicalName: 'queue', id: 'queueid' },
  mailboxes: { logicalName: 'mailbox', id: 'mailboxid' },
  contacts: { logicalName: 'contact', id: 'contactid' },
  accounts: { logicalName: 'account', id: 'accountid' },
  emails: { logicalName: 'email', id: 'activityid' },
  activitymimeattachments: { logicalName: 'activitymimeattachment', id: 'activitymimeattachmentid' },
  annotations: { logicalName: 'annotation', id: 'annotationid' },
} as const;
export type EntitySet = keyof typeof ENTITY_SETS;

export function isEntitySet(name: string): name is EntitySet {
  return Object.prototype.hasOwnProperty.call(ENTITY_SETS, name);
}

/** Option set values of the documented columns the emulator uses. */
export const EMAIL_STATUS = { draft: 1, completed: 2, sent: 3, received: 4, canceled: 5, pendingSend: 6, sending: 7, failed: 8 } as const;
export const EMAIL_STATE = { open: 0, completed: 1, canceled: 2 } as const;
export const DELIVERY_METHOD = { none: 0, outlook: 1, serverSideSyncOrRouter: 2, forwardMailbox: 3 } as const;
export const PARTICIPATION = { sender: 1, to: 2, cc: 3, bcc: 4, owner: 9 } as const;

/** In-memory rows per entity set, with a version per row for ETags (optimistic concurrency). */
export class EmulatorStore {
  private readonly sets = new Map<EntitySet, Map<string, Row>>();
  private versions = 1000;

  constructor() {
    this.reset();
  }

  reset(): void {
    for (const name of Object.keys(ENTITY_SETS) as EntitySet[]) this.sets.set(name, new Map());
  }

  private table(set: EntitySet): Map<string, Row> {
    return this.sets.get(set)!;
  }

  create(set: EntitySet, data: Row): Row {
    const idAttr = ENTITY_SETS[set].id;
    const id = typeof data[idAttr] === 'string' ? (data[idAttr] as string) : randomUUID();
    const now = new Date().toISOString();
    const row: Row = { ...data, [idAttr]: id, createdon: now, modifiedon: now, versionnumber: ++this.versions };
    this.table(set).set(id.toLowerCase(), row);
    return row;
  }

  get(set: EntitySet, id: string): Row | undefined {
    return this.table(set).get(id.toLowerCase());
  }

  list(set: EntitySet): Row[] {
    return [...this.table(set).values()];
  }

  update(set: EntitySet, id: string, changes: Row): Row | undefined {
    const row = this.get(set, id);
    if (!row) return undefined;
    Object.assign(row, changes, { modifiedon: new Date().toISOString(), versionnumber: ++this.versions });
    return row;
  }

  etag(row: Row): string {
    return `W/"${row.versionnumber}"`;
  }

  /** The user or queue whose address this is (primary email), with its logical name. */
  principalByAddress(address: string): { logicalName: 'systemuser' | 'queue'; row: Row } | undefined {
    const a = address.toLowerCase();
    const user = this.list('systemusers').find((u) => String(u.internalemailaddress ?? '').toLowerCase() === a);
    if (user) return { logicalName: 'systemuser', row: user };
    const queue = this.list('queues').find((q) => String(q.emailaddress ?? '').toLowerCase() === a);
    return queue ? { logicalName: 'queue', row: queue } : undefined;
  }

  /** Contacts and accounts with this address (emailaddress1). */
  recordsByAddress(address: string): { logicalName: 'contact' | 'account'; row: Row }[] {
    const a = address.toLowerCase();
    const match = (r: Row) => String(r.emailaddress1 ?? '').toLowerCase() === a;
    return [
      ...this.list('contacts').filter(match).map((row) => ({ logicalName: 'contact' as const, row })),
      ...this.list('accounts').filter(match).map((row) => ({ logicalName: 'account' as const, row })),
    ];
  }
}
