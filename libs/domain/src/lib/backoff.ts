export interface BackoffPolicy {
  /** Delay before the second attempt. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
}

/** Delay to wait after `attempt` failed attempts (attempt ≥ 1), without jitter. */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const n = Math.max(1, attempt);
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** (n - 1)));
}
