// The student's words for a generation waiting in the class's queue: "2 before you", an estimate
// once the server has one, or that the teacher paused the queue. Kept apart from the component so
// the wording rules are tested on their own.

import type { FairQueueEvent } from './student-types'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** How many jobs wait before the student's (the fair queue says `ahead`; older servers only a position). */
export function aheadOf(queue: FairQueueEvent): number {
  return Math.max(0, queue.ahead ?? queue.position - 1)
}

/** null: nothing to say about the queue (the job is not waiting). */
export function studentQueueText(queue: FairQueueEvent | null, t: Translate): string | null {
  if (queue === null || queue.position <= 0) return null
  if (queue.paused === true) return t('student.queue.paused')
  const ahead = aheadOf(queue)
  const place = ahead === 0 ? t('student.queue.next') : ahead === 1 ? t('student.queue.aheadOne') : t('student.queue.ahead', { count: ahead })
  const estimate = queue.estimate_s
  if (estimate === undefined || estimate === null || ahead === 0) return place
  const minutes = Math.round(estimate / 60)
  const wait = minutes < 1 ? t('student.queue.lessThanMinute') : minutes === 1 ? t('student.queue.aboutOneMinute') : t('student.queue.aboutMinutes', { minutes })
  return `${place} ${wait}`
}
