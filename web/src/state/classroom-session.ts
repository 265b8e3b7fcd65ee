// The teacher's side of a class: what the setup form offers (addresses, the policy's fixed options),
// opening and closing the class, and while it is open the live dashboard and the teacher's actions.
// Every failure ends in `error`, the server's own sentence (in the UI language), never a trace.

import { reactive, readonly } from 'vue'

import { ApiClient, ApiError } from '@/api/client'
import type {
  ClassDashboard,
  ClassOptionName,
  ClassOptions,
  ClassView,
  ClassroomStatus,
  QueueChange,
} from '@/api/types'

import { DashboardFollower, type DashboardFollowerOptions, type LiveState } from './classroom-events'

// The newest runs of the class that are read for their "hidden" mark (students' latest results are among them).
const HIDDEN_LOOKUP_RUNS = 100

export type ClassroomPhase = 'loading' | 'failed' | 'forbidden' | 'setup' | 'open'

export interface ClassroomState {
  phase: ClassroomPhase
  status: ClassroomStatus | null
  openClass: ClassView | null
  dashboard: ClassDashboard | null
  /** The last failure, in plain words (the server's message). */
  error: string | null
  /** An action is on its way (buttons wait). */
  busy: boolean
  live: LiveState
  /** Results the teacher hid in this class (the dashboard does not list them). */
  hiddenRuns: string[]
}

function plain(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error)
}

/** The setup form's first values: the remembered (or the policy's fixed) defaults; every attitude and output. */
export function initialOptions(status: ClassroomStatus, allAttitudes: string[], allOutputs: string[]): ClassOptions {
  const remembered = status.defaults.address
  const usable = remembered !== null && (isFixed(status, 'address') || status.addresses.some((item) => item.address === remembered))
  return {
    address: usable ? remembered : (status.addresses[0]?.address ?? ''),
    port: status.defaults.port,
    attitude_ids: [...allAttitudes],
    output_ids: [...allOutputs],
    safety_level: 'kids',
    per_student_limit: status.defaults.per_student_limit,
  }
}

export function isFixed(status: ClassroomStatus | null, field: ClassOptionName): boolean {
  return status?.policy.fixed.includes(field) ?? false
}

export class ClassroomSession {
  private readonly api: ApiClient
  private readonly mutable: ClassroomState
  readonly state: Readonly<ClassroomState>
  private readonly follower: DashboardFollower

  constructor(api: ApiClient, followerOptions: DashboardFollowerOptions = {}) {
    this.api = api
    this.mutable = reactive<ClassroomState>({
      phase: 'loading',
      status: null,
      openClass: null,
      dashboard: null,
      error: null,
      busy: false,
      live: 'stopped',
      hiddenRuns: [],
    })
    this.state = readonly(this.mutable) as Readonly<ClassroomState>
    this.follower = new DashboardFollower(
      {
        dashboard: (dashboard) => this.applyDashboard(dashboard),
        resync: () => this.resync(),
        live: (live) => {
          this.mutable.live = live
        },
      },
      followerOptions,
    )
  }

  /** Reads the classroom's status; an open class (opened earlier, another window) is followed at once. */
  async load(): Promise<void> {
    try {
      this.showStatus(await this.api.classroom())
      this.mutable.error = null
    } catch (error) {
      this.mutable.phase = 'failed'
      this.mutable.error = plain(error)
    }
  }

  async open(options: ClassOptions, pin?: string): Promise<boolean> {
    return this.act(async () => {
      const opened = await this.api.openClass(pin ? { ...options, pin } : options)
      this.mutable.hiddenRuns = []
      this.showOpen(opened)
    })
  }

  async close(pin?: string): Promise<boolean> {
    return this.act(async () => {
      await this.api.closeClass(pin)
      this.follower.stop()
      this.mutable.openClass = null
      this.mutable.dashboard = null
      await this.load()
    })
  }

  setQueue(change: QueueChange): Promise<boolean> {
    return this.act(async () => this.applyDashboard(await this.api.changeClassQueue(change)))
  }

  cancelJob(jobId: string): Promise<boolean> {
    return this.act(async () => {
      await this.api.cancelJob(jobId)
    })
  }

  removeStudent(studentId: string): Promise<boolean> {
    return this.act(async () => {
      this.applyDashboard(await this.api.removeStudent(studentId))
    })
  }

  setHidden(runId: string, hidden: boolean): Promise<boolean> {
    return this.act(async () => {
      this.applyDashboard(await this.api.setRunHidden(runId, hidden))
      const others = this.mutable.hiddenRuns.filter((id) => id !== runId)
      this.mutable.hiddenRuns = hidden ? [...others, runId] : others
      // A hidden result leaves the wall too, whatever the server does with the projection itself.
      if (hidden && this.mutable.openClass?.projected_run_id === runId) {
        this.applyDashboard(await this.api.project(null))
      }
    })
  }

  project(runId: string | null): Promise<boolean> {
    return this.act(async () => {
      this.applyDashboard(await this.api.project(runId))
    })
  }

  /** After the stream was replaced by a newer view: the teacher asks to follow here again. */
  followAgain(): void {
    if (this.mutable.openClass) this.follower.start()
  }

  clearError(): void {
    this.mutable.error = null
  }

  /** The page is left: no stream stays open behind it. */
  dispose(): void {
    this.follower.stop()
  }

  private showStatus(status: ClassroomStatus): void {
    this.mutable.status = status
    if (status.open_class) {
      this.showOpen(status.open_class)
    } else {
      this.follower.stop()
      this.mutable.openClass = null
      this.mutable.dashboard = null
      this.mutable.phase = status.policy.allowed ? 'setup' : 'forbidden'
    }
  }

  private showOpen(opened: ClassView): void {
    const wasOpen = this.mutable.openClass?.id === opened.id
    this.mutable.openClass = opened
    this.mutable.phase = 'open'
    if (!wasOpen || !this.follower.following) this.follower.start()
  }

  /** Before every (re)connect of the stream: is the class still open, and how does it look now? */
  private async resync(): Promise<void> {
    const status = await this.api.classroom()
    this.mutable.status = status
    if (!status.open_class) {
      this.showStatus(status)
      return
    }
    this.mutable.openClass = status.open_class
    this.applyDashboard(await this.api.classDashboard())
    await this.readHidden(status.open_class.id)
  }

  /** Which of the class's results are hidden: the dashboard does not say, the runs list does
   *  (after a reload, or when another window hid one). */
  private async readHidden(classId: string): Promise<void> {
    try {
      const page = await this.api.listRuns({ class_id: classId, limit: HIDDEN_LOOKUP_RUNS })
      this.mutable.hiddenRuns = page.runs.filter((run) => run.hidden_from_class).map((run) => run.id)
    } catch {
      // The marks stay as they were; the teacher's own choices in this page are still shown.
    }
  }

  private applyDashboard(dashboard: ClassDashboard): void {
    this.mutable.dashboard = dashboard
    const opened = this.mutable.openClass
    if (opened) {
      opened.paused = dashboard.paused
      opened.teacher_first = dashboard.teacher_first
      opened.projected_run_id = dashboard.projected_run_id
    }
  }


  private async act(work: () => Promise<void>): Promise<boolean> {
    this.mutable.busy = true
    this.mutable.error = null
    try {
      await work()
      return true
    } catch (error) {
      this.mutable.error = plain(error)
      return false
    } finally {
      this.mutable.busy = false
    }
  }
}
