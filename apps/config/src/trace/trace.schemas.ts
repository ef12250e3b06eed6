import { z } from 'zod';
import { DIRECTIONS, normalizeAddress, normalizeMessageId } from '@mailrouter/domain';

/** Most items one trace answers; the default is TRACE_DEFAULT_LIMIT. */
export const TRACE_MAX_LIMIT = 500;
export const TRACE_DEFAULT_LIMIT = 50;

/** `GET /api/v1/trace` query: every filter optional, all given ones must match. */
export const TraceQuery = z.object({
  messageId: z.string().trim().min(1).max(998).transform((v) => normalizeMessageId(v)!).optional(),
  address: z.string().trim().min(3).max(320).refine((v) => v.includes('@'), 'must be an e-mail address').transform(normalizeAddress).optional(),
  subject: z.string().trim().min(1).max(998).optional(),
  mailboxId: z.uuid().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  direction: z.enum(DIRECTIONS).optional(),
  limit: z.coerce.number().int().min(1).max(TRACE_MAX_LIMIT).default(TRACE_DEFAULT_LIMIT),
});
export type TraceQuery = z.infer<typeof TraceQuery>;
