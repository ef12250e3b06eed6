import { z } from 'zod';
import { CrmConnectionV1, MailEndpointV1, TestResultV1 } from './common';

export const TestAccessRequestV1 = z.object({
  mailboxAddress: z.string(),
  endpoint: MailEndpointV1,
});
export type TestAccessRequestV1 = z.infer<typeof TestAccessRequestV1>;
export const TestAccessReplyV1 = TestResultV1;
export type TestAccessReplyV1 = TestResultV1;

export const LoadDataRequestV1 = z.object({
  deploymentId: z.string(),
  crm: CrmConnectionV1,
});
export type LoadDataRequestV1 = z.infer<typeof LoadDataRequestV1>;

export const LoadDataReplyV1 = z.object({
  records: z.array(
    z.object({
      crmId: z.string(),
      kind: z.enum(['user', 'queue']),
      name: z.string(),
      address: z.string(),
    }),
  ),
});
export type LoadDataReplyV1 = z.infer<typeof LoadDataReplyV1>;

export const MailboxStatusRequestV1 = z.object({ mailboxId: z.string() });
export type MailboxStatusRequestV1 = z.infer<typeof MailboxStatusRequestV1>;

export const MailboxStatusReplyV1 = z.object({
  mailboxId: z.string(),
  /** Whether the running incoming service serves this mailbox (published and enabled). */
  active: z.boolean(),
  configVersion: z.number().int().optional(),
  lastPollAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  nextPollAt: z.string().optional(),
  consecutiveFailures: z.number().int(),
  lastError: z.string().optional(),
  messages: z.object({
    seen: z.number().int(),
    tracked: z.number().int(),
    ignored: z.number().int(),
    quarantined: z.number().int(),
    awaitingVerdict: z.number().int(),
  }),
});
export type MailboxStatusReplyV1 = z.infer<typeof MailboxStatusReplyV1>;
