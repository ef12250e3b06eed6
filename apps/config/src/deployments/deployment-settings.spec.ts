import { DEFAULT_DEPLOYMENT_TRACKING } from '@mailrouter/contracts';
import { applyTrackingPatch, deepMerge, storedTracking, trackingPatchProblems } from './deployment-settings';

describe('deployment tracking settings', () => {
  it('deep-merges objects and replaces scalars', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: 5 } })).toEqual({ a: { b: 1, c: 5 }, d: 3 });
  });

  it('names bad values and unknown keys by their path', () => {
    expect(trackingPatchProblems({ token: { prefix: '' }, smartMatching: { minShared: 2 } }).map((p) => p.field).sort())
      .toEqual(['smartMatching.minShared', 'token.prefix']);
    expect(trackingPatchProblems({ token: { prefix: 'ACME:' } })).toEqual([]);
  });

  it('applies a patch onto the stored settings, and reads an empty stored value as the defaults', () => {
    const current = applyTrackingPatch(storedTracking({}), { loopGuard: { maxMessages: 5 } });
    expect(current.loopGuard).toEqual({ maxMessages: 5, windowMinutes: 120 });
    expect(applyTrackingPatch(current, { trackAutomaticReplies: true })).toEqual({ ...current, trackAutomaticReplies: true });
    expect(storedTracking({})).toEqual(DEFAULT_DEPLOYMENT_TRACKING);
  });
});
