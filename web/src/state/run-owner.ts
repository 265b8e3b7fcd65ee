// Who made a run, when a student of a class made it: the run index and the run record carry the
// owner (class, student, nickname at the time), so the teacher's gallery and transparency view can
// name the student even after the class closed. Runs of the app's own user have no owner.

import type { RunOwnerView } from './classroom-types'

function ownerOf(run: object): RunOwnerView | null {
  const owner: unknown = 'owner' in run ? run.owner : null
  if (typeof owner !== 'object' || owner === null || !('nickname' in owner)) return null
  return typeof owner.nickname === 'string' ? (owner as RunOwnerView) : null
}

/** The student's nickname for a student's run; null for the teacher's own runs. */
export function runNickname(run: object): string | null {
  return ownerOf(run)?.nickname ?? null
}
