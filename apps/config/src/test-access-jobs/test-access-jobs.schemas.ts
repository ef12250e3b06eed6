import { z } from 'zod';

/** Which mailboxes to test: chosen ids, or every mailbox (of one deployment). */
export const StartTestAccessJobBody = z
  .object({
    mailboxIds: z.array(z.string()).min(1).max(10_000).optional(),
    all: z.literal(true).optional(),
    deploymentId: z.uuid().optional(),
  })
  .refine((b) => !!b.mailboxIds !== !!b.all, { message: 'give either mailboxIds or all: true', path: ['mailboxIds'] })
  .refine((b) => !(b.deploymentId && b.mailboxIds), { message: 'deploymentId goes with all: true', path: ['deploymentId'] });
export type StartTestAccessJobBody = z.infer<typeof StartTestAccessJobBody>;
