import { DEFAULT_DEPLOYMENT_TRACKING, DeploymentTrackingV1 } from '@mailrouter/contracts';
import type { FieldProblem } from '@mailrouter/platform';

/**
 * A deployment's tracking settings arrive partial (on create and PATCH) and are deep-merged
 * onto the current ones (the defaults on create); the merged whole is validated and stored.
 */
export type TrackingPatch = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars in `patch` replace. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Keys of `patch` that name no setting (a typo would otherwise be dropped silently). */
function unknownKeys(patch: Record<string, unknown>, known: Record<string, unknown>, path: string[] = []): FieldProblem[] {
  return Object.entries(patch).flatMap(([k, v]) => {
    if (!(k in known)) return [{ field: [...path, k].join('.'), message: 'not a tracking setting' }];
    const sub = known[k];
    return isPlainObject(sub) && isPlainObject(v) ? unknownKeys(v, sub, [...path, k]) : [];
  });
}

/** The settings in force for a stored value (`{}` or older rows get the defaults). */
export function storedTracking(stored: unknown): DeploymentTrackingV1 {
  const parsed = DeploymentTrackingV1.safeParse(stored ?? {});
  return parsed.success ? parsed.data : DEFAULT_DEPLOYMENT_TRACKING;
}

/** Problems (paths relative to `tracking`) of a partial settings object. */
export function trackingPatchProblems(patch: TrackingPatch): FieldProblem[] {
  const unknown = unknownKeys(patch, DEFAULT_DEPLOYMENT_TRACKING as unknown as Record<string, unknown>);
  const merged = DeploymentTrackingV1.safeParse(deepMerge(DEFAULT_DEPLOYMENT_TRACKING, patch));
  const invalid = merged.success
    ? []
    : merged.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
  return [...unknown, ...invalid];
}

/** The merged settings; call after trackingPatchProblems found none. */
export function applyTrackingPatch(current: DeploymentTrackingV1, patch: TrackingPatch | undefined): DeploymentTrackingV1 {
  return patch === undefined ? current : DeploymentTrackingV1.parse(deepMerge(current, patch));
}
