// Exporting runs as a zip through the job flow (`POST /api/runs/exports` -> the job's progress ->
// `result.download_url`): waiting, "x of y", cancel, then the download starts by itself. One flow
// for every place that exports (the gallery, the class dashboard), shown by RunExportStatus.vue.

import { computed, onBeforeUnmount, reactive, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'

import { ApiError, type ApiClient } from '@/api/client'
import type { ExportRequest, ExportResult } from '@/api/types'
import { useAppStore } from '@/state/app-store'
import { followJob } from '@/state/follow-job'

export type RunExportPhase = 'idle' | 'waiting' | 'running' | 'done' | 'failed' | 'cancelled'

export interface RunExportState {
  status: RunExportPhase
  jobId: string | null
  /** Runs written so far, of `max`. */
  value: number
  max: number
  /** Why it failed, in the UI language (the server's message, or the broken connection). */
  message: string | null
  result: ExportResult | null
}

export interface RunExport {
  readonly state: RunExportState
  /** An export is on its way: another one waits until it is over. */
  readonly busy: ComputedRef<boolean>
  start(body: ExportRequest): Promise<void>
  cancel(): Promise<void>
  /** Stops following the job (the page goes); the server finishes or cancels it on its own. */
  stop(): void
  /** Back to nothing shown (an export of what is no longer on the page), unless one is on its way. */
  reset(): void
}

export interface RunExportOptions {
  /** The message when the connection to the app broke for good. */
  lostMessage: () => string
  /** Starts the download of the finished zip (the browser's; a stand-in in unit tests). */
  download?: (url: string) => void
}

/** The export is ready: its download starts at once (the status keeps a link for a second copy). */
export function downloadNow(url: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = ''
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
}

export function createRunExport(api: ApiClient, options: RunExportOptions): RunExport {
  const download = options.download ?? downloadNow
  const state = reactive<RunExportState>({
    status: 'idle',
    jobId: null,
    value: 0,
    max: 0,
    message: null,
    result: null,
  })
  let stopFollowing: (() => void) | null = null

  async function start(body: ExportRequest): Promise<void> {
    stopFollowing?.()
    Object.assign(state, { status: 'waiting', jobId: null, value: 0, max: 0, message: null, result: null })
    try {
      const started = await api.startExport(body)
      state.jobId = started.job_id
      const follow = followJob(started.job_id, (progress) => {
        state.status = 'running'
        state.value = progress.value
        state.max = progress.max
      })
      stopFollowing = follow.stop
      const outcome = await follow.done
      if (state.jobId !== started.job_id) return // a newer export took over
      if (outcome.state === 'succeeded') {
        state.result = outcome.result as ExportResult
        state.status = 'done'
        download(state.result.download_url)
      } else if (outcome.state === 'cancelled') {
        state.status = 'cancelled'
      } else {
        state.status = 'failed'
        state.message = outcome.state === 'lost' ? options.lostMessage() : outcome.message
      }
    } catch (error) {
      state.status = 'failed'
      state.message = error instanceof ApiError ? error.message : String(error)
    }
  }

  async function cancel(): Promise<void> {
    if (state.jobId !== null) await api.cancelJob(state.jobId).catch(() => undefined)
  }

  const busy = computed(() => state.status === 'waiting' || state.status === 'running')

  function reset(): void {
    if (busy.value) return
    Object.assign(state, { status: 'idle', jobId: null, value: 0, max: 0, message: null, result: null })
  }

  return { state, busy, start, cancel, stop: () => stopFollowing?.(), reset }
}

/** In a component: the app's client and language; following ends with the component. */
export function useRunExport(): RunExport {
  const store = useAppStore()
  const { t } = useI18n()
  const runExport = createRunExport(store.api, { lostMessage: () => t('export.lost') })
  onBeforeUnmount(runExport.stop)
  return runExport
}
