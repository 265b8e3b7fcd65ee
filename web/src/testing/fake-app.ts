// A stand-in for the app server in unit tests of the UI's state, at the two places where the UI
// leaves the page: `fetch` (the JSON API) and `EventSource` (a job's server-sent events). Our own
// code above them (ApiClient, JobEventStream, the state classes) runs for real.
//
// Protocol-faithful where our code depends on it: answers are real `Response`s with the server's
// status codes and error body ({error: {code, message}}); every job event is a `MessageEvent` named
// like the server's event, with its JSON as `data` and its sequence number as `lastEventId`; a closed
// EventSource receives nothing; a stream the browser gave up on is CLOSED and fires a plain `error`.

export interface RecordedRequest {
  method: string
  path: string
  body: unknown
}

export interface Answer {
  status: number
  body: unknown
  /** Extra response headers (e.g. a 429's Retry-After). */
  headers?: Record<string, string>
}

type Handler = (request: RecordedRequest) => Answer | Promise<Answer>

/** An answer the test sends later (to let the student act while a request is on its way). */
export interface HeldAnswer {
  promise: Promise<Answer>
  send(answer: Answer): void
}

export function heldAnswer(): HeldAnswer {
  let send: (answer: Answer) => void = () => undefined
  const promise = new Promise<Answer>((resolve) => {
    send = resolve
  })
  return { promise, send }
}

export function apiError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } }
}

export class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2

  readonly url: string
  readyState: number = FakeEventSource.CONNECTING
  private nextId = 1

  constructor(url: string | URL, app: FakeApp) {
    super()
    this.url = String(url)
    app.streams.push(this)
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED
  }

  // ---------------------------------------------------------------- the server's side

  /** The server sends the next event of the job (numbered on). */
  send(type: string, data: unknown): void {
    this.deliver(this.nextId, type, data)
    this.nextId += 1
  }

  /** The server sends an event again with the number it had (a replay after a reconnect). */
  replay(id: number, type: string, data: unknown): void {
    this.deliver(id, type, data)
  }

  /** The server ends the job's stream after its final state. */
  end(): void {
    if (this.readyState === FakeEventSource.CLOSED) return
    this.dispatchEvent(new MessageEvent('end', { data: '{}', lastEventId: String(this.nextId) }))
  }

  /** The browser gave up on the connection (the app is gone, or answered 404/401). */
  giveUp(): void {
    if (this.readyState === FakeEventSource.CLOSED) return
    this.readyState = FakeEventSource.CLOSED
    this.dispatchEvent(new Event('error'))
  }

  private deliver(id: number, type: string, data: unknown): void {
    if (this.readyState === FakeEventSource.CLOSED) return
    this.readyState = FakeEventSource.OPEN
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(id) }))
  }
}

export class FakeApp {
  readonly requests: RecordedRequest[] = []
  readonly streams: FakeEventSource[] = []
  private readonly handlers = new Map<string, Handler>()

  /** How the app answers `method path` from now on (unanswered requests get a 404 error body). */
  on(method: string, path: string, handler: Handler | Answer): this {
    this.handlers.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler)
    return this
  }

  /** `fetch` and `EventSource` as the page sees them. */
  globals(): { fetch: typeof fetch; EventSource: typeof EventSource } {
    const fetchDouble = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const method = init?.method ?? 'GET'
      const path = String(input)
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
      const request = { method, path, body }
      this.requests.push(request)
      const handler = this.handlers.get(`${method} ${path}`)
      const answer = handler ? await handler(request) : apiError(404, 'not_found', `no route ${method} ${path}`)
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'Content-Type': 'application/json', ...answer.headers },
      })
    }
    const app = this
    class PageEventSource extends FakeEventSource {
      constructor(url: string | URL) {
        super(url, app)
      }
    }
    return { fetch: fetchDouble, EventSource: PageEventSource as unknown as typeof EventSource }
  }

  /** Requests sent so far to `method path`. */
  sent(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path)
  }

  /** The event stream the page opened last for a job. */
  stream(jobId: string): FakeEventSource {
    const url = `/api/jobs/${encodeURIComponent(jobId)}/events`
    const found = this.streams.filter((stream) => stream.url === url).at(-1)
    if (found === undefined) throw new Error(`the page opened no event stream for job ${jobId}`)
    return found
  }
}
