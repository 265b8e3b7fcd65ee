// A student's place in a class (student-session.ts) and the app store in student mode, with the real
// ApiClient; only the app server behind fetch is a stand-in (src/testing/fake-app.ts).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { InterceptionCatalog, StudentMe } from '@/api/types'
import { createAppI18n } from '@/i18n'
import { FakeApp, apiError } from '@/testing/fake-app'

import { AppStore, isStudentPath } from './app-store'
import { createStudentSession, joinProblemOf, normalizeJoinCode, type StudentSession } from './student-session'
import { ApiError } from '@/api/client'

const ME: StudentMe = {
  student_id: 'st-1',
  nickname: 'Mila',
  class_id: 'class-1',
  safety_level: 'kids',
  attitude_ids: ['dada'],
  output_ids: ['test_painting'],
  per_student_limit: 1,
}

const CATALOG: InterceptionCatalog = { categories: [] } as unknown as InterceptionCatalog

// What the LAN listener answers a student at all; anything else would be a 403 there.
const STUDENT_PATHS = new Set(['/api/class/join', '/api/class/me', '/api/catalog/interceptions'])

let app: FakeApp
let store: AppStore
let student: StudentSession

function unreachable(): never {
  throw new TypeError('Failed to fetch')
}

beforeEach(() => {
  vi.useFakeTimers()
  app = new FakeApp()
  const page = app.globals()
  vi.stubGlobal('fetch', page.fetch)
  vi.stubGlobal('EventSource', page.EventSource)
  store = new AppStore(createAppI18n(), 'student')
  student = createStudentSession(store, { checkEveryMs: 1000, unreachableAfter: 2 })
  app.on('GET', '/api/catalog/interceptions', { status: 200, body: CATALOG })
})

afterEach(() => {
  student.stopChecking()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('student mode', () => {
  it('is the join page and everything under /class, nothing else', () => {
    expect(['/join', '/class', '/class/', '/class/gallery'].map(isStudentPath)).toEqual([true, true, true, true])
    expect(['/', '/classroom', '/create/dada', '/joiner', '/gallery'].map(isStudentPath)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
  })

  it('starts without a single call and keeps the language choice in this browser only', async () => {
    await store.start()
    expect(store.state.phase).toBe('ready')
    await store.setLanguage(store.language === 'de' ? 'en' : 'de')
    expect(app.requests).toEqual([])
  })
})

describe('joining', () => {
  it('sends the code in capitals without spaces and the trimmed nickname, then loads the class catalog', async () => {
    app.on('POST', '/api/class/join', { status: 200, body: ME })
    expect(await student.join(' ab3 k7p', '  Mila ')).toBe(true)
    expect(app.sent('POST', '/api/class/join')[0]?.body).toEqual({ code: 'AB3K7P', nickname: 'Mila' })
    expect(student.state.membership).toBe('member')
    expect(student.state.me?.nickname).toBe('Mila')
    expect(student.state.catalog).toEqual(CATALOG)
    expect(app.requests.every((request) => STUDENT_PATHS.has(request.path))).toBe(true)
  })

  it.each([
    [apiError(403, 'join_code_wrong', 'wrong'), { kind: 'code' }],
    [apiError(400, 'nickname_not_allowed', 'no'), { kind: 'nickname', reason: 'not_allowed' }],
    [apiError(400, 'nickname_too_long', 'long'), { kind: 'nickname', reason: 'too_long' }],
    [apiError(400, 'nickname_empty', 'empty'), { kind: 'nickname', reason: 'empty' }],
    [apiError(400, 'nickname_characters', 'chars'), { kind: 'nickname', reason: 'characters' }],
    [{ ...apiError(429, 'join_attempts_exceeded', 'wait'), headers: { 'Retry-After': '30' } }, { kind: 'wait', seconds: 30 }],
    [
      { status: 429, body: { error: { code: 'join_attempts_exceeded', message: 'wait', retry_after: 12.2 } } },
      { kind: 'wait', seconds: 13 },
    ],
    [apiError(429, 'join_attempts_exceeded', 'wait'), { kind: 'wait', seconds: null }],
  ])('words a refused join plainly: %j', async (answer, problem) => {
    app.on('POST', '/api/class/join', answer)
    expect(await student.join('AB3K7P', 'Mila')).toBe(false)
    expect(student.state.joinProblem).toEqual(problem)
    expect(student.state.membership).toBe('checking')
    expect(student.state.joining).toBe(false)
  })

  it('keeps the server message for a refusal it has no words for', () => {
    expect(joinProblemOf(new ApiError(409, 'no_class_open', 'No class is open.'))).toEqual({
      kind: 'other',
      message: 'No class is open.',
    })
    expect(normalizeJoinCode('x-y z')).toBe('XYZ')
  })
})

describe('membership', () => {
  it('sends a browser that never joined to the join page', async () => {
    app.on('GET', '/api/class/me', apiError(401, 'class_login_invalid', 'not in a class'))
    await student.start()
    expect(student.state.membership).toBe('none')
  })

  it('is out at the next check once the teacher removed the student, and stops asking', async () => {
    app.on('GET', '/api/class/me', { status: 200, body: ME })
    await student.start()
    expect(student.state.membership).toBe('member')
    app.on('GET', '/api/class/me', apiError(401, 'class_login_invalid', 'removed'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(student.state.membership).toBe('out')
    const asked = app.sent('GET', '/api/class/me').length
    await vi.advanceTimersByTimeAsync(5000)
    expect(app.sent('GET', '/api/class/me').length).toBe(asked)
  })

  it('is out at once when any call answers 401', async () => {
    app.on('GET', '/api/class/me', { status: 200, body: ME })
    await student.start()
    app.on('GET', '/api/runs?limit=48', apiError(401, 'class_login_invalid', 'removed'))
    await expect(store.api.listRuns({ limit: 48 })).rejects.toThrow()
    expect(student.state.membership).toBe('out')
    expect(store.state.phase).not.toBe('unauthorized')
  })

  it('says the class cannot be reached after two failed checks, and comes back when it answers', async () => {
    app.on('GET', '/api/class/me', { status: 200, body: ME })
    await student.start()
    app.on('GET', '/api/class/me', unreachable)
    await vi.advanceTimersByTimeAsync(1000)
    expect(student.state.membership).toBe('member')
    await vi.advanceTimersByTimeAsync(1000)
    expect(student.state.membership).toBe('unreachable')
    app.on('GET', '/api/class/me', { status: 200, body: ME })
    await vi.advanceTimersByTimeAsync(1000)
    expect(student.state.membership).toBe('member')
  })
})
