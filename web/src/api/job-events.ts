// Follows one job's server-sent events (`GET /api/jobs/<id>/events`, see docs/api.md).
//
// The server numbers every event. A reconnecting EventSource sends the last number it saw
// (Last-Event-ID) and the server replays only what was missed; events at or below the last number
// seen are dropped here as well, so a replay can never add a streamed piece twice. The stream is
// closed after the job's final `state` event, not only on `end`: an open EventSource reconnects
// forever, and a reconnect that happens after the final state gets no `end`.

import { FINAL_JOB_STATES, JOB_EVENT_NAMES, type JobEvent, type JobEventName } from './types'

export interface JobEventHandlers {
  /** Every new event of the job, in order, each once. */
  event(event: JobEvent): void
  /** The stream broke for good (the app went away, or no longer knows the job). */
  lost(): void
}

// The server asks for a reconnect after one second; this many failures in a row is a lost app.
const MAX_FAILED_RECONNECTS = 15

export class JobEventStream {
  readonly jobId: string
  private readonly handlers: JobEventHandlers
  private source: EventSource | null
  private lastId = 0
  private failures = 0

  constructor(jobId: string, handlers: JobEventHandlers) {
    this.jobId = jobId
    this.handlers = handlers
    const source = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`)
    this.source = source
    source.addEventListener('open', () => {
      this.failures = 0
    })
    for (const name of JOB_EVENT_NAMES) {
      // 'error' is both the server's event name and EventSource's own signal for a broken
      // connection; only the server's carries data.
      if (name === 'error') continue
      source.addEventListener(name, (message) => this.receive(name, message as MessageEvent<string>))
    }
    source.addEventListener('error', (event) => {
      if (event instanceof MessageEvent && typeof event.data === 'string') this.receive('error', event)
      else this.connectionFailed()
    })
    source.addEventListener('end', (message) => {
      // An `end` with a reason ("replaced": too many open views, "shutdown": the app stops) comes
      // before the job is over: this view no longer hears of the job.
      const early = endReason((message as MessageEvent<string>).data) !== undefined
      this.close()
      if (early) this.handlers.lost()
    })
  }

  get closed(): boolean {
    return this.source === null
  }

  close(): void {
    this.source?.close()
    this.source = null
  }

  private receive(name: JobEventName, message: MessageEvent<string>): void {
    if (this.source === null) return
    const id = Number(message.lastEventId)
    if (!Number.isInteger(id) || id <= this.lastId) return
    this.lastId = id
    let data: unknown
    try {
      data = JSON.parse(message.data)
    } catch {
      console.warn(`job ${this.jobId}: event ${name} #${id} is not JSON`)
      return
    }
    const event = { id, type: name, data } as JobEvent
    if (event.type === 'state' && FINAL_JOB_STATES.includes(event.data.state)) this.close()
    this.handlers.event(event)
  }

  private connectionFailed(): void {
    const source = this.source
    if (source === null) return
    this.failures += 1
    // CLOSED: the browser gave up by itself (the answer was not an event stream, e.g. 404 or 401).
    if (source.readyState === EventSource.CLOSED || this.failures > MAX_FAILED_RECONNECTS) {
      this.close()
      this.handlers.lost()
    }
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
