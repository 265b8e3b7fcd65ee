// The classroom's student-side API shapes, as CLASSROOM.md names them, until the server's models
// (cls-edge, cls-queue) are generated into api/generated.ts. Replace each by its generated type
// once it exists there; nothing else in the UI spells these shapes.

import type { SafetyLevel } from '@/api/types'

/** `POST /api/class/join`. */
export interface JoinRequest {
  code: string
  nickname: string
}

/** `GET /api/class/me` and the answer of a join. */
export interface StudentMe {
  student_id: string
  nickname: string
  class_id: string
  safety_level: SafetyLevel
  attitude_ids: string[]
  output_ids: string[]
  per_student_limit: number
}

/** A job's `queue` event with the fair queue's fields (older servers send only position and waiting). */
export interface FairQueueEvent {
  position: number
  waiting: number
  ahead?: number
  paused?: boolean
  estimate_s?: number | null
}
