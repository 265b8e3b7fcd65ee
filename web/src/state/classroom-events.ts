// Follows the open class's dashboard (`GET /api/classroom/events`, event `dashboard`), for the
// teacher's dashboard and the projector alike, and keeps following it when the stream ends.
//
// The server ends a stream with `end` and `{}` when its source is done, `{"reason": "replaced"}`
// when this client opened too many streams (the newest stays), `{"reason": "shutdown"}` when the
// app stops (server/api/event_stream.py). An EventSource that got an `end` does not come back by
// itself, and one the browser gave up on (404, 401, a refused connection) is CLOSED: in both cases
// this follower opens a new one after a pause, except after "replaced" (coming back would push out
// the newer view, which pushes this one out again) and "shutdown" (nobody is there).
// Each (re)connect first fetches the snapshot through `resync`, so nothing that changed while the
// stream was away is missed.

import type { ClassDashboard } from '@/api/types'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'replaced' | 'stopped'

export interface DashboardFollowerHandlers {
  dashboard(dashboard: ClassDashboard): void
  /** Called before every (re)connect; the caller fetches what it shows (a missed change). */
  resync(): Promise<void>
  live(state: LiveState): void
}

export interface DashboardFollowerOptions {
  url?: string
  /** Pause before the n-th reconnect in a row (1, 2, ...), in milliseconds. */
  delay?: (attempt: number) => number
  /** setTimeout, replaceable in tests. */
  schedule?: (work: () => void, ms: number) => () => void
}

const DEFAULT_URL = '/api/classroom/events'

function defaultDelay(attempt: number): number {
  // 1 s, 2 s, 4 s ... up to 15 s: a class that is being reopened is found quickly, a gone app is not hammered.
  return Math.min(15_000, 1_000 * 2 ** Math.min(attempt - 1, 4))
}

function defaultSchedule(work: () => void, ms: number): () => void {
  const timer = setTimeout(work, ms)
  return () => clearTimeout(timer)
}

export class DashboardFollower {
  private readonly handlers: DashboardFollowerHandlers
  private readonly url: string
  private readonly delay: (attempt: number) => number
  private readonly schedule: (work: () => void, ms: number) => () => void
  private source: EventSource | null = null
  private cancelTimer: (() => void) | null = null
  private attempts = 0
  private stopped = false

  constructor(handlers: DashboardFollowerHandlers, options: DashboardFollowerOptions = {}) {
    this.handlers = handlers
    this.url = options.url ?? DEFAULT_URL
    this.delay = options.delay ?? defaultDelay
    this.schedule = options.schedule ?? defaultSchedule
  }

  /** Starts following (again, after "replaced" or stop). */
  start(): void {
    this.stopped = false
    this.attempts = 0
    this.cancelTimer?.()
    this.cancelTimer = null
    this.closeSource()
    this.handlers.live('connecting')
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    this.cancelTimer?.()
    this.cancelTimer = null
    this.closeSource()
    this.handlers.live('stopped')
  }

  get following(): boolean {
    return !this.stopped && (this.source !== null || this.cancelTimer !== null)
  }

  private async connect(): Promise<void> {
    this.cancelTimer = null
    try {
      await this.handlers.resync()
    } catch {
      // The stream below tells whether the app is there; a failed snapshot is fetched next time.
    }
    if (this.stopped) return
    const source = new EventSource(this.url)
    this.source = source
    source.addEventListener('open', () => {
      if (this.source !== source) return
      this.attempts = 0
      this.handlers.live('live')
    })
    source.addEventListener('dashboard', (message) => {
      if (this.source !== source) return
      let data: unknown
      try {
        data = JSON.parse((message as MessageEvent<string>).data)
      } catch {
        console.warn('classroom: a dashboard event is not JSON')
        return
      }
      this.attempts = 0
      this.handlers.live('live')
      this.handlers.dashboard(data as ClassDashboard)
    })
    source.addEventListener('end', (message) => {
      if (this.source !== source) return
      const reason = endReason((message as MessageEvent<string>).data)
      this.closeSource()
      if (reason === 'replaced') this.handlers.live('replaced')
      else if (reason === 'shutdown') this.stop()
      else this.reconnectLater()
    })
    source.addEventListener('error', () => {
      if (this.source !== source) return
      // CONNECTING: the browser tries again by itself; CLOSED: it gave up, so this follower does.
      if (source.readyState === EventSource.CLOSED) {
        this.closeSource()
        this.reconnectLater()
      } else {
        this.handlers.live('reconnecting')
      }
    })
  }

  private reconnectLater(): void {
    if (this.stopped) return
    this.attempts += 1
    this.handlers.live('reconnecting')
    this.cancelTimer = this.schedule(() => void this.connect(), this.delay(this.attempts))
  }

  private closeSource(): void {
    this.source?.close()
    this.source = null
  }
}

function endReason(data: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(data)
    if (typeof parsed === 'object' && parsed !== null && 'reason' in parsed && typeof parsed.reason === 'string') {
      return parsed.reason
    }
  } catch {
    // An `end` without JSON is an ordinary end.
  }
  return undefined
}
