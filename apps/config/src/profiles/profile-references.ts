import type { Direction } from '@mailrouter/domain';
import type { FieldProblem } from '@mailrouter/platform';

export interface ProfileReference {
  field: string;
  id: string | null | undefined;
  direction: Direction;
}

/** A profile named by a deployment or a mailbox must exist and serve the right direction. */
export function profileReferenceProblems(
  refs: ProfileReference[],
  found: { id: string; name: string; direction: Direction }[],
): FieldProblem[] {
  const byId = new Map(found.map((p) => [p.id, p]));
  const problems: FieldProblem[] = [];
  for (const ref of refs) {
    if (!ref.id) continue;
    const profile = byId.get(ref.id);
    if (!profile) problems.push({ field: ref.field, message: `no profile ${ref.id}` });
    else if (profile.direction !== ref.direction) {
      problems.push({ field: ref.field, message: `profile '${profile.name}' is an ${profile.direction} profile, not ${ref.direction}` });
    }
  }
  return problems;
}
