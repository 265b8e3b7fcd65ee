// Follows one job to its end through its event stream (see api/job-events.ts): progress as it comes,
// then how it ended. Used by the gallery's export and the transparency view's re-run.

import { JobEventStream } from '@/api/job-events'
import type { JobEventData, JobState } from '@/api/types'

export interface JobOutcome {
  /** The final state; 'lost' when the connection to the app broke for good. */
  state: JobState | 'lost'
  result: unknown
  /** The server's message of an 'error' or 'blocked' event, in the UI language. */
  message: string | null
}

export function followJob(
  jobId: string,
  onProgress: (progress: JobEventData['progress']) => void = () => undefined,
): { done: Promise<JobOutcome>; stop: () => void } {
  let stream: JobEventStream | null = null
  const done = new Promise<JobOutcome>((resolve) => {
    let message: string | null = null
    stream = new JobEventStream(jobId, {
      event(event) {
        if (event.type === 'progress') onProgress(event.data)
        else if (event.type === 'error' || event.type === 'blocked') message = event.data.message
        else if (event.type === 'state' && ['succeeded', 'failed', 'cancelled', 'blocked'].includes(event.data.state)) {
          resolve({ state: event.data.state, result: event.data.result, message })
        }
      },
      lost() {
        resolve({ state: 'lost', result: null, message: null })
      },
    })
  })
  return { done, stop: () => (stream as JobEventStream | null)?.close() }
}
