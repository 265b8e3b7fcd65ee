// The classroom API's shapes as docs CLASSROOM.md (the shared design) names them, written here only
// until the server's pydantic models exist and are generated into api/generated.ts; then these
// become plain aliases of the generated types.

import type { SafetyLevel } from '@/api/types'

/** The options a class is opened with; a lab policy may fix any of them. */
export interface ClassOptions {
  address: string
  port: number
  attitude_ids: string[]
  output_ids: string[]
  safety_level: SafetyLevel
  per_student_limit: number
}

export type ClassOptionName = keyof ClassOptions

export interface ClassroomPolicyView {
  /** False: the lab policy forbids classroom mode on this machine. */
  allowed: boolean
  /** Options the policy fixed (address, port, per_student_limit); their values are the defaults. */
  fixed: string[]
}

export interface NetworkAddressView {
  address: string
  interface: string
}

export interface ClassDefaultsView {
  address: string | null
  port: number
  per_student_limit: number
}

export interface ClassView extends ClassOptions {
  id: string
  code: string
  join_url: string
  qr_svg: string
  opened_at: string
  paused: boolean
  teacher_first: boolean
  projected_run_id: string | null
}

export interface ClassroomStatus {
  policy: ClassroomPolicyView
  addresses: NetworkAddressView[]
  defaults: ClassDefaultsView
  open_class: ClassView | null
}

export type OpenClassRequest = ClassOptions & { pin?: string }

export type StudentStep = 'joined' | 'writing' | 'transforming' | 'waiting' | 'generating' | 'done' | 'blocked'
export const STUDENT_STEPS: readonly StudentStep[] = [
  'joined',
  'writing',
  'transforming',
  'waiting',
  'generating',
  'done',
  'blocked',
]

export interface StudentView {
  id: string
  nickname: string
  connected: boolean
  step: StudentStep
  latest_idea: string | null
  latest_run_id: string | null
  latest_media_url: string | null
}

export interface QueueEntryView {
  job_id: string
  kind: string
  student_id: string | null
  nickname: string | null
  state: 'queued' | 'running'
  position: number | null
}

export interface BlockView {
  run_id: string
  student_id: string
  nickname: string
  idea: string
  category: string | null
  at: string
}

export interface ClassDashboard {
  students: StudentView[]
  queue: QueueEntryView[]
  blocks: BlockView[]
  paused: boolean
  teacher_first: boolean
  projected_run_id: string | null
}

export interface QueueChange {
  paused?: boolean
  teacher_first?: boolean
}

/** Who made a run when a student made it (the run index's owner). */
export interface RunOwnerView {
  class_id: string
  student_id: string
  nickname: string
}
