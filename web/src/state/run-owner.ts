// Who made a run, when a student of a class made it: the run index and the run record carry the
// owner (class, student, nickname at the time), so the teacher's gallery and transparency view can
// name the student even after the class closed. Runs of the app's own user have no owner.

import type { RunOwner } from '@/api/types'

/** The student's nickname for a student's run; null for the teacher's own runs. */
export function runNickname(run: { owner?: RunOwner | null }): string | null {
  return run.owner?.nickname ?? null
}
