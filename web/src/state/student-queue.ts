// The student's words for a generation waiting in the class's queue: "2 before you", an estimate
// once the server has one, or that the teacher paused the queue. Kept apart from the component so
// the wording rules are tested on their own.

import type { QueueEvent } from '@/api/types'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** null: nothing to say about the queue (the job is not waiting). */
export function studentQueueText(queue: QueueEvent | null, t: Translate): string | null {
  if (queue === null || queue.position <= 0) return null
  if (queue.paused) return t('student.queue.paused')
  const ahead = Math.max(0, queue.ahead)
  let place = t('student.queue.ahead', { count: ahead })
  if (ahead === 0) place = t('student.queue.next')
  else if (ahead === 1) place = t('student.queue.aheadOne')
  const estimate = queue.estimate_s
  if (estimate === null || ahead === 0) return place
  const minutes = Math.round(estimate / 60)
  let wait = t('student.queue.aboutMinutes', { minutes })
  if (minutes < 1) wait = t('student.queue.lessThanMinute')
  else if (minutes === 1) wait = t('student.queue.aboutOneMinute')
  return `${place} ${wait}`
}
