import type { TestResultV1 } from '@mailrouter/contracts';
import type { MailboxEntity } from '../entities';

export interface TestResultView {
  status: TestResultV1['status'];
  message: string;
  testedAt: string | null;
}

export interface MailboxTestView {
  incoming: TestResultView;
  outgoing: TestResultView;
}

export function mailboxTestView(m: MailboxEntity): MailboxTestView {
  return {
    incoming: { status: m.incomingTestStatus, message: m.incomingTestMessage, testedAt: m.incomingTestedAt?.toISOString() ?? null },
    outgoing: { status: m.outgoingTestStatus, message: m.outgoingTestMessage, testedAt: m.outgoingTestedAt?.toISOString() ?? null },
  };
}

/** A mailbox as the API shows it: never the password, only whether there is one. */
export function mailboxView(m: MailboxEntity) {
  return {
    id: m.id,
    deploymentId: m.deploymentId,
    kind: m.kind,
    address: m.address,
    name: m.name,
    crmId: m.crmId,
    username: m.username,
    hasPassword: m.password !== null,
    incomingProfileId: m.incomingProfileId,
    outgoingProfileId: m.outgoingProfileId,
    deleteAfterProcessing: m.deleteAfterProcessing,
    enabled: m.enabled,
    test: mailboxTestView(m),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}
export type MailboxView = ReturnType<typeof mailboxView>;
