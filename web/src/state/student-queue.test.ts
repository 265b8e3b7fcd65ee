// The student's words for a waiting generation (student-queue.ts), with the real locale texts.

import { describe, expect, it } from 'vitest'

import { createAppI18n } from '@/i18n'

import { studentQueueText } from './student-queue'

const i18n = createAppI18n('en')
const t = (key: string, named: Record<string, unknown> = {}): string => i18n.global.t(key, named)

describe('studentQueueText', () => {
  it('says nothing when the job is not waiting', () => {
    expect(studentQueueText(null, t)).toBeNull()
    expect(studentQueueText({ position: 0, waiting: 0, ahead: 0, paused: false, estimate_s: null }, t)).toBeNull()
  })

  it('counts the jobs before the student', () => {
    expect(studentQueueText({ position: 3, waiting: 5, ahead: 2, paused: false, estimate_s: null }, t)).toBe(
      '2 before you.',
    )
    expect(studentQueueText({ position: 2, waiting: 2, ahead: 1, paused: false, estimate_s: null }, t)).toBe(
      '1 before you.',
    )
    expect(studentQueueText({ position: 1, waiting: 4, ahead: 0, paused: false, estimate_s: 30 }, t)).toBe(
      "You're next!",
    )
  })

  it('adds the estimate once the server has one', () => {
    expect(studentQueueText({ position: 3, waiting: 3, ahead: 2, paused: false, estimate_s: 150 }, t)).toBe(
      '2 before you. About 3 minutes.',
    )
    expect(studentQueueText({ position: 2, waiting: 2, ahead: 1, paused: false, estimate_s: 20 }, t)).toBe(
      '1 before you. Less than a minute.',
    )
    expect(studentQueueText({ position: 2, waiting: 2, ahead: 1, paused: false, estimate_s: 70 }, t)).toBe(
      '1 before you. About 1 minute.',
    )
  })

  it('says that the teacher paused the queue, before anything else', () => {
    expect(studentQueueText({ position: 3, waiting: 3, ahead: 2, paused: true, estimate_s: 100 }, t)).toBe(
      'The teacher paused the queue. Your picture comes when it goes on.',
    )
  })
})
