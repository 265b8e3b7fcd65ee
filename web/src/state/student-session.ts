// A student's place in a class (docs/classroom.md): joining with the class code and a nickname, who
// the class says this browser is (`GET /api/class/me`), and the attitudes the class enables. Created
// once in main.ts in student mode.
//
// The teacher can remove a student or close the class at any moment; the student's page must say so
// at once, not at the next button press. No event stream tells a student that, so the session asks
// `/api/class/me` every few seconds (a small request; a class of 30 is ~8 requests a second), and
// any 401 of any call (the class login is gone) ends the membership right away. A closed class also
// closes its listener: then the app cannot be reached at all, which the page says after two failed
// checks in a row (one lost answer on a school Wi-Fi is not yet a closed class).

import { inject, reactive, readonly, type InjectionKey } from 'vue'

import { ApiError, UNREACHABLE, type ApiClient } from '@/api/client'
import type { InterceptionCatalog, StudentMe } from '@/api/types'

import type { AppStore } from './app-store'

import { forgetSavedWorkshop } from './workshop-session'

/**
 * checking: the first look is on its way; member: in the class; none: this browser never joined
 * (or its cookie is from an earlier class) - the join page is the place; out: the teacher removed
 * the student or closed the class; unreachable: the app does not answer (a closed class's listener).
 */
export type Membership = 'checking' | 'member' | 'none' | 'out' | 'unreachable'

/** Why a join did not work, in categories the join page words for children. */
export type JoinProblem =
  | { kind: 'code' }
  | { kind: 'wait'; seconds: number | null }
  | { kind: 'nickname'; reason: 'empty' | 'too_long' | 'characters' | 'not_allowed' }
  | { kind: 'other'; message: string }

export interface StudentState {
  membership: Membership
  me: StudentMe | null
  catalog: InterceptionCatalog | null
  catalogError: string | null
  joining: boolean
  joinProblem: JoinProblem | null
}

/** The join codes' alphabet has no look-alikes; whatever the student types is compared in capitals,
 *  without spaces or dashes (a code read off the projector as "ab3 k7p" is "AB3K7P"). */
export const JOIN_CODE_LENGTH = 6

export function normalizeJoinCode(typed: string): string {
  return typed.replace(/[\s-]+/g, '').toUpperCase()
}

/** The server's refusal of a join, as one of the join page's plain messages. */
export function joinProblemOf(error: unknown): JoinProblem {
  if (!(error instanceof ApiError)) return { kind: 'other', message: String(error) }
  const code = error.code.toLowerCase()
  if (error.status === 429 || code.includes('join_attempts')) return { kind: 'wait', seconds: error.retryAfterS }
  if (code.includes('nickname')) {
    if (code.includes('empty')) return { kind: 'nickname', reason: 'empty' }
    if (code.includes('long')) return { kind: 'nickname', reason: 'too_long' }
    if (code.includes('characters')) return { kind: 'nickname', reason: 'characters' }
    return { kind: 'nickname', reason: 'not_allowed' }
  }
  if (code.includes('join_code') || error.status === 403) return { kind: 'code' }
  return { kind: 'other', message: error.message }
}

export interface StudentSessionOptions {
  /** How often the page asks whether the student is still in the class. */
  checkEveryMs?: number
  /** Failed checks in a row before the page says the class cannot be reached. */
  unreachableAfter?: number
}

export class StudentSession {
  private readonly api: ApiClient
  private readonly mutable: StudentState
  readonly state: Readonly<StudentState>
  private readonly checkEveryMs: number
  private readonly unreachableAfter: number
  private timer: ReturnType<typeof setInterval> | null = null
  private failures = 0
  private checking: Promise<void> | null = null

  constructor(api: ApiClient, options: StudentSessionOptions = {}) {
    this.api = api
    this.checkEveryMs = options.checkEveryMs ?? 4000
    this.unreachableAfter = options.unreachableAfter ?? 2
    this.mutable = reactive<StudentState>({
      membership: 'checking',
      me: null,
      catalog: null,
      catalogError: null,
      joining: false,
      joinProblem: null,
    })
    this.state = readonly(this.mutable) as Readonly<StudentState>
  }

  /** Every 401 of any call: the class login is not (or no longer) valid. */
  loginRefused(): void {
    if (this.mutable.membership === 'out') return
    // A browser that was never in this class belongs on the join page; one that was is told it is out.
    this.mutable.membership = this.mutable.me === null ? 'none' : 'out'
    this.stopChecking()
  }

  /** The student pages' first look: in the class or not; then the regular checks. */
  async start(): Promise<void> {
    if (this.isMember()) return
    await this.check()
    if (this.isMember()) {
      this.startChecking()
      if (this.mutable.catalog === null) await this.loadCatalog()
    }
  }

  private isMember(): boolean {
    return this.mutable.membership === 'member'
  }

  async join(typedCode: string, nickname: string): Promise<boolean> {
    if (this.mutable.joining) return false
    this.mutable.joining = true
    this.mutable.joinProblem = null
    try {
      const me = await this.api.joinClass({ code: normalizeJoinCode(typedCode), nickname: nickname.trim() })
      // A workshop this tab kept from an earlier login (another class, another nickname) is not this one's.
      forgetSavedWorkshop()
      this.mutable.me = me
      this.mutable.membership = 'member'
      this.mutable.catalog = null
      this.failures = 0
      this.startChecking()
      await this.loadCatalog()
      return true
    } catch (error) {
      this.mutable.joinProblem = joinProblemOf(error)
      return false
    } finally {
      this.mutable.joining = false
    }
  }

  /** The attitudes the class enables (the server answers only those to a student). */
  async loadCatalog(): Promise<void> {
    try {
      this.mutable.catalog = await this.api.interceptions()
      this.mutable.catalogError = null
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return
      this.mutable.catalogError = error instanceof ApiError ? error.message : String(error)
    }
  }

  /** One look at `/api/class/me`; overlapping calls share the one request. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = null
    })
    return this.checking
  }

  private async checkOnce(): Promise<void> {
    try {
      const me = await this.api.classMe()
      if (this.mutable.membership === 'out') return
      this.mutable.me = me
      this.mutable.membership = 'member'
      this.failures = 0
      this.startChecking()
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      if (error.status === 401) {
        this.loginRefused()
      } else if (error.code === UNREACHABLE) {
        this.failures += 1
        if (this.mutable.membership === 'checking') this.mutable.membership = 'unreachable'
        else if (this.mutable.membership === 'member' && this.failures >= this.unreachableAfter) {
          this.mutable.membership = 'unreachable'
        }
      } else if (this.mutable.membership === 'checking') {
        // 403: this page is not on the class's listener (or no class is open): nothing to be in.
        this.mutable.membership = 'none'
      }
    }
  }

  private readonly onVisible = (): void => {
    if (document.visibilityState === 'visible') void this.check()
  }

  private startChecking(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => {
      // A hidden tab (a locked tablet) asks again when it is shown.
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
      void this.check()
    }, this.checkEveryMs)
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.onVisible)
  }

  stopChecking(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.onVisible)
  }
}

/** The student session of a page in student mode: any 401 of any call of the app's client ends
 *  the membership at once (the same wiring in main.ts and in the tests). */
export function createStudentSession(store: AppStore, options: StudentSessionOptions = {}): StudentSession {
  const student = new StudentSession(store.api, options)
  store.whenUnauthorized(() => student.loginRefused())
  return student
}

export const STUDENT_SESSION: InjectionKey<StudentSession> = Symbol('StudentSession')

export function useStudentSession(): StudentSession {
  const session = inject(STUDENT_SESSION)
  if (session === undefined) throw new Error('useStudentSession() needs the StudentSession provided in main.ts')
  return session
}
