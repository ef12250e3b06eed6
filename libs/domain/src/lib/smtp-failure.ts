export type FailureClass = 'transient' | 'permanent';

/** Network-level errors that a later attempt may get past. */
const TRANSIENT_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKET', 'ECONNECTION', 'EPIPE', 'EHOSTUNREACH',
  'ENETUNREACH', 'EAI_AGAIN', 'ETIMEOUT', 'EDNS', 'EPROTOCOL',
]);

/**
 * Classifies an SMTP failure: 4xx replies and connection trouble are transient, 5xx replies
 * and refused authentication are permanent.
 */
export function classifySmtpFailure(failure: { responseCode?: number; code?: string }): FailureClass {
  const reply = failure.responseCode;
  if (typeof reply === 'number' && reply >= 400 && reply < 500) return 'transient';
  if (typeof reply === 'number' && reply >= 500) return 'permanent';
  if (failure.code === 'EAUTH') return 'permanent';
  if (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') return 'permanent';
  if (failure.code && TRANSIENT_ERROR_CODES.has(failure.code)) return 'transient';
  return 'transient';
}
