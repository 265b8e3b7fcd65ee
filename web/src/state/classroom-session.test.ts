// The teacher's class (classroom-session.ts, classroom-events.ts) with the real ApiClient; only the
// app server behind fetch and EventSource is a stand-in (src/testing/fake-app.ts). The reconnect
// pause is a hand-run timer, so a test decides when "later" is.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiClient } from '@/api/client'
import type { ClassDashboard, ClassView, ClassroomStatus, StudentView } from '@/api/types'
import { FakeApp, apiError, type FakeEventSource } from '@/testing/fake-app'

import { ClassroomSession, initialOptions, isFixed } from './classroom-session'

const EVENTS = '/api/classroom/events'

const CLOSED_STATUS: ClassroomStatus = {
  policy: { allowed: true, fixed: [] },
  addresses: [
    { address: '192.168.1.20', interface: 'eth0' },
    { address: '10.0.0.5', interface: 'wlan0' },
  ],
  defaults: { address: '10.0.0.5', port: 8765, per_student_limit: 1 },
  open_class: null,
  projector_window: false,
}

const OPEN_CLASS: ClassView = {
  id: 'class-1',
  code: 'K7M2QX',
  join_url: 'http://10.0.0.5:8765/join',
  qr_svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
  opened_at: '2026-12-05T09:00:00Z',
  address: '10.0.0.5',
  port: 8765,
  attitude_ids: ['dada'],
  output_ids: ['sd35_large'],
  safety_level: 'kids',
  per_student_limit: 1,
  paused: false,
  teacher_first: false,
  projected_run_id: null,
}

function student(id: string, nickname: string, extra: Partial<StudentView> = {}): StudentView {
  return {
    id,
    nickname,
    connected: true,
    step: 'joined',
    latest_idea: null,
    latest_run_id: null,
    latest_media_url: null,
    ...extra,
  }
}

function dashboard(extra: Partial<ClassDashboard> = {}): ClassDashboard {
  return { students: [], queue: [], blocks: [], paused: false, teacher_first: false, projected_run_id: null, ...extra }
}

let app: FakeApp
let status: ClassroomStatus
let current: ClassDashboard
let timers: (() => void)[]
let hiddenRuns: string[]

function newSession(): ClassroomSession {
  const api = new ApiClient({
    language: () => 'en',
    unreachableMessage: () => 'The app does not answer.',
    unexpectedMessage: (code) => `Unexpected answer ${code}.`,
    onUnauthorized: () => undefined,
  })
  return new ClassroomSession(api, {
    delay: () => 1000,
    schedule: (work) => {
      timers.push(work)
      return () => {
        timers = timers.filter((timer) => timer !== work)
      }
    },
  })
}

function streams(): FakeEventSource[] {
  return app.streams.filter((stream) => stream.url === EVENTS)
}

function lastStream(): FakeEventSource {
  const found = streams().at(-1)
  if (found === undefined) throw new Error('the page opened no class event stream')
  return found
}

/** The pause before a reconnect is over. */
function timePasses(): void {
  const due = timers
  timers = []
  for (const work of due) work()
}

beforeEach(() => {
  app = new FakeApp()
  timers = []
  hiddenRuns = []
  status = CLOSED_STATUS
  current = dashboard()
  const page = app.globals()
  vi.stubGlobal('fetch', page.fetch)
  vi.stubGlobal('EventSource', page.EventSource)
  app.on('GET', '/api/classroom', () => ({ status: 200, body: status }))
  app.on('GET', '/api/classroom/dashboard', () => ({ status: 200, body: current }))
  app.on('GET', '/api/runs?class_id=class-1&limit=100', () => ({
    status: 200,
    body: { runs: hiddenRuns.map((id) => ({ id, hidden_from_class: true })), total: hiddenRuns.length, offset: 0, limit: 100 },
  }))
  app.on('POST', '/api/classroom', () => {
    status = { ...CLOSED_STATUS, open_class: OPEN_CLASS }
    return { status: 201, body: OPEN_CLASS }
  })
  app.on('DELETE', '/api/classroom', () => {
    status = CLOSED_STATUS
    return { status: 200, body: { closed: 'class-1' } }
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

async function openedClass(session: ClassroomSession): Promise<FakeEventSource> {
  await session.load()
  await session.open(initialOptions(session.state.status!, ['dada'], ['sd35_large']))
  await vi.waitFor(() => expect(streams()).toHaveLength(1))
  return lastStream()
}

describe('before a class is open', () => {
  it('offers the remembered address first, the first address when it is gone, a fixed one as it is', () => {
    expect(initialOptions(CLOSED_STATUS, ['dada', 'bauhaus'], ['sd35_large'])).toEqual({
      address: '10.0.0.5',
      port: 8765,
      attitude_ids: ['dada', 'bauhaus'],
      output_ids: ['sd35_large'],
      safety_level: 'kids',
      per_student_limit: 1,
    })
    const moved = { ...CLOSED_STATUS, defaults: { ...CLOSED_STATUS.defaults, address: '172.16.0.9' } }
    expect(initialOptions(moved, [], []).address).toBe('192.168.1.20')
    const fixed: ClassroomStatus = {
      ...moved,
      policy: { allowed: true, fixed: ['address', 'port'] },
      defaults: { address: '172.16.0.9', port: 9000, per_student_limit: 2 },
    }
    expect(initialOptions(fixed, [], [])).toMatchObject({ address: '172.16.0.9', port: 9000, per_student_limit: 2 })
    expect(isFixed(fixed, 'port')).toBe(true)
    expect(isFixed(fixed, 'per_student_limit')).toBe(false)
  })

  it('is the setup form, or the explanation when the lab policy forbids classes', async () => {
    const session = newSession()
    await session.load()
    expect(session.state.phase).toBe('setup')
    expect(streams()).toHaveLength(0)

    status = { ...CLOSED_STATUS, policy: { allowed: false, fixed: [] } }
    await session.load()
    expect(session.state.phase).toBe('forbidden')
  })

  it('shows the server’s own sentence when opening fails, and stays on the form', async () => {
    app.on('POST', '/api/classroom', apiError(403, 'pin_wrong', 'The teacher PIN is not right.'))
    const session = newSession()
    await session.load()
    const opened = await session.open(initialOptions(CLOSED_STATUS, ['dada'], ['sd35_large']), '1234')
    expect(opened).toBe(false)
    expect(session.state.error).toBe('The teacher PIN is not right.')
    expect(session.state.phase).toBe('setup')
    expect(app.sent('POST', '/api/classroom')[0]?.body).toMatchObject({ pin: '1234', address: '10.0.0.5', port: 8765 })
  })
})

describe('an open class', () => {
  it('opens, follows the dashboard live and applies each change without a reload', async () => {
    const session = newSession()
    await openedClass(session)
    expect(session.state.phase).toBe('open')
    expect(session.state.openClass?.code).toBe('K7M2QX')

    lastStream().send('dashboard', dashboard({ students: [student('s1', 'Mia')] }))
    expect(session.state.live).toBe('live')
    expect(session.state.dashboard?.students.map((item) => item.nickname)).toEqual(['Mia'])

    lastStream().send('dashboard', dashboard({ students: [student('s1', 'Mia', { step: 'generating' })], paused: true }))
    expect(session.state.dashboard?.students[0]?.step).toBe('generating')
    expect(session.state.openClass?.paused).toBe(true)
  })

  it('opens the class found open (another window opened it) straight away', async () => {
    status = { ...CLOSED_STATUS, open_class: OPEN_CLASS }
    current = dashboard({ students: [student('s1', 'Mia')] })
    const session = newSession()
    await session.load()
    expect(session.state.phase).toBe('open')
    await vi.waitFor(() => expect(session.state.dashboard?.students).toHaveLength(1))
    expect(streams()).toHaveLength(1)
  })

  it('knows which results are hidden after a reload (from the runs list)', async () => {
    status = { ...CLOSED_STATUS, open_class: OPEN_CLASS }
    hiddenRuns = ['run-3']
    const session = newSession()
    await session.load()
    await vi.waitFor(() => expect(session.state.hiddenRuns).toEqual(['run-3']))
  })

  it('pauses and lets the teacher go first through the queue endpoint', async () => {
    app.on('POST', '/api/classroom/queue', (request) => ({
      status: 200,
      body: dashboard({ ...(request.body as object) }),
    }))
    const session = newSession()
    await openedClass(session)
    await session.setQueue({ paused: true })
    expect(session.state.openClass?.paused).toBe(true)
    await session.setQueue({ teacher_first: true })
    expect(session.state.openClass?.teacher_first).toBe(true)
    expect(app.sent('POST', '/api/classroom/queue').map((request) => request.body)).toEqual([
      { paused: true },
      { teacher_first: true },
    ])
  })

  it('removes a student, cancels a job, hides a result and takes it off the projector', async () => {
    // Every teacher action answers the dashboard as it is after the action.
    app.on('DELETE', '/api/classroom/students/s1', { status: 200, body: dashboard({ students: [student('s2', 'Ben')] }) })
    app.on('POST', '/api/jobs/job-9/cancel', { status: 202, body: { id: 'job-9', state: 'running' } })
    app.on('PUT', '/api/classroom/runs/run-3/hidden', () => ({
      status: 200,
      body: dashboard({ students: [student('s2', 'Ben')], projected_run_id: 'run-3' }),
    }))
    app.on('PUT', '/api/classroom/projection', (request) => ({
      status: 200,
      body: dashboard({ students: [student('s2', 'Ben')], projected_run_id: (request.body as { run_id: string | null }).run_id }),
    }))
    const session = newSession()
    await openedClass(session)
    lastStream().send('dashboard', dashboard({ students: [student('s1', 'Mia'), student('s2', 'Ben')] }))

    await session.removeStudent('s1')
    expect(session.state.dashboard?.students.map((item) => item.nickname)).toEqual(['Ben'])

    await session.cancelJob('job-9')
    expect(app.sent('POST', '/api/jobs/job-9/cancel')).toHaveLength(1)

    await session.project('run-3')
    expect(session.state.openClass?.projected_run_id).toBe('run-3')
    await session.setHidden('run-3', true)
    expect(session.state.hiddenRuns).toEqual(['run-3'])
    expect(app.sent('PUT', '/api/classroom/projection').map((request) => request.body)).toEqual([
      { run_id: 'run-3' },
      { run_id: null },
    ])
    expect(session.state.openClass?.projected_run_id).toBeNull()
  })

  it('closes the class with the PIN: the stream is closed and the form is back', async () => {
    const session = newSession()
    const stream = await openedClass(session)
    expect(await session.close('4711')).toBe(true)
    expect(app.sent('DELETE', '/api/classroom')[0]?.body).toEqual({ pin: '4711' })
    expect(stream.readyState).toBe(2)
    expect(session.state.phase).toBe('setup')
    expect(session.state.dashboard).toBeNull()
  })
})

describe('the live stream', () => {
  it('comes back after the stream ended and fetches what it missed', async () => {
    const session = newSession()
    const first = await openedClass(session)
    first.end()
    expect(session.state.live).toBe('reconnecting')
    expect(streams()).toHaveLength(1)

    current = dashboard({ students: [student('s1', 'Mia')] })
    timePasses()
    await vi.waitFor(() => expect(streams()).toHaveLength(2))
    expect(session.state.dashboard?.students.map((item) => item.nickname)).toEqual(['Mia'])
    lastStream().send('dashboard', dashboard({ students: [student('s1', 'Mia'), student('s2', 'Ben')] }))
    expect(session.state.dashboard?.students).toHaveLength(2)
  })

  it('comes back when the browser gave up on the connection (the app restarted)', async () => {
    const session = newSession()
    const first = await openedClass(session)
    first.giveUp()
    expect(session.state.live).toBe('reconnecting')
    timePasses()
    await vi.waitFor(() => expect(streams()).toHaveLength(2))
  })

  it('stays away after "replaced" until the teacher asks, and stops after "shutdown"', async () => {
    const session = newSession()
    const first = await openedClass(session)
    first.dispatchEvent(new MessageEvent('end', { data: '{"reason": "replaced"}' }))
    expect(session.state.live).toBe('replaced')
    timePasses()
    expect(streams()).toHaveLength(1)

    session.followAgain()
    await vi.waitFor(() => expect(streams()).toHaveLength(2))
    lastStream().dispatchEvent(new MessageEvent('end', { data: '{"reason": "shutdown"}' }))
    expect(session.state.live).toBe('stopped')
    timePasses()
    expect(streams()).toHaveLength(2)
  })

  it('finds the class closed elsewhere on reconnect and shows the form without a stream', async () => {
    const session = newSession()
    const first = await openedClass(session)
    status = CLOSED_STATUS
    first.end()
    timePasses()
    await vi.waitFor(() => expect(session.state.phase).toBe('setup'))
    expect(streams()).toHaveLength(1)
    expect(timers).toHaveLength(0)
  })

  it('closes its stream when the page is left', async () => {
    const session = newSession()
    const stream = await openedClass(session)
    session.dispose()
    expect(stream.readyState).toBe(2)
    stream.end()
    expect(timers).toHaveLength(0)
  })
})
