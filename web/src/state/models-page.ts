// The models page's state: the overview from GET /api/models and the model jobs it follows.
//
// Jobs (import, download, verify, bundle) keep running when the page is left; when it opens again,
// the overview lists the ones still running and the page follows them again (the server replays
// every event, so their notices and progress come back too).

import { reactive, readonly } from 'vue'

import { ApiError, type ApiClient } from '@/api/client'
import { JobEventStream } from '@/api/job-events'
import {
  FINAL_JOB_STATES,
  type JobEvent,
  type JobNotice,
  type ImportSkip,
  type JobState,
  type ModelProgress,
  type ModelsOverview,
} from '@/api/types'

export type ModelJobKind = 'model_import' | 'model_download' | 'model_verify' | 'model_bundle'

export interface ModelJob {
  id: string
  kind: ModelJobKind | null
  state: JobState
  progress: ModelProgress | null
  notices: JobNotice[]
  /** The files a finished import did not take, each with its reason. */
  skipped: ImportSkip[]
  /** Why the whole job failed, in the UI language. */
  error: string | null
  cancelling: boolean
}

export interface ModelsPageData {
  overview: ModelsOverview | null
  loading: boolean
  /** Why loading or an action failed, in the UI language. */
  error: string | null
  jobs: ModelJob[]
}

export class ModelsPage {
  private readonly api: ApiClient
  private readonly mutable: ModelsPageData
  private readonly streams = new Map<string, JobEventStream>()
  readonly data: Readonly<ModelsPageData>

  constructor(api: ApiClient) {
    this.api = api
    this.mutable = reactive<ModelsPageData>({ overview: null, loading: false, error: null, jobs: [] })
    this.data = readonly(this.mutable) as Readonly<ModelsPageData>
  }

  async load(): Promise<void> {
    this.mutable.loading = true
    try {
      const overview = await this.api.models()
      this.mutable.overview = overview
      this.mutable.error = null
      for (const jobId of overview.jobs) this.follow(jobId, null)
    } catch (error) {
      this.mutable.error = message(error)
    } finally {
      this.mutable.loading = false
    }
  }

  /** Runs an action; a refusal (e.g. offline, folder missing) is shown as the page's error. */
  async run(action: () => Promise<unknown>): Promise<boolean> {
    this.mutable.error = null
    try {
      await action()
      return true
    } catch (error) {
      this.mutable.error = message(error)
      return false
    }
  }

  startImport(folder: string): Promise<boolean> {
    return this.run(async () => this.follow((await this.api.importModels(folder)).job_id, 'model_import'))
  }

  startDownload(modelIds: string[]): Promise<boolean> {
    return this.run(async () => this.follow((await this.api.downloadModels(modelIds)).job_id, 'model_download'))
  }

  startVerify(modelIds: string[] | null): Promise<boolean> {
    return this.run(async () => this.follow((await this.api.verifyModels(modelIds)).job_id, 'model_verify'))
  }

  startBundle(folder: string, modelIds: string[]): Promise<boolean> {
    return this.run(async () =>
      this.follow((await this.api.prepareBundle(folder, modelIds)).job_id, 'model_bundle'),
    )
  }

  removeFile(modelId: string): Promise<boolean> {
    return this.run(async () => {
      await this.api.removeModelFile(modelId)
      await this.load()
    })
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.job(jobId)
    if (job === undefined) return
    job.cancelling = true
    await this.run(() => this.api.cancelJob(jobId))
  }

  dismiss(jobId: string): void {
    const index = this.mutable.jobs.findIndex((job) => job.id === jobId)
    if (index >= 0 && FINAL_JOB_STATES.includes(this.mutable.jobs[index]!.state)) this.mutable.jobs.splice(index, 1)
  }

  /** Stops following (the page is left); the jobs themselves go on. */
  close(): void {
    for (const stream of this.streams.values()) stream.close()
    this.streams.clear()
  }

  private job(jobId: string): ModelJob | undefined {
    return this.mutable.jobs.find((job) => job.id === jobId)
  }

  private follow(jobId: string, kind: ModelJobKind | null): void {
    if (this.streams.has(jobId)) return
    if (this.job(jobId) === undefined) {
      this.mutable.jobs.unshift({
        id: jobId,
        kind,
        state: 'queued',
        progress: null,
        notices: [],
        skipped: [],
        error: null,
        cancelling: false,
      })
    }
    const stream = new JobEventStream(jobId, {
      event: (event) => this.receive(jobId, event),
      lost: () => {
        this.streams.delete(jobId)
        const job = this.job(jobId)
        if (job !== undefined && !FINAL_JOB_STATES.includes(job.state)) job.state = 'failed'
      },
    })
    this.streams.set(jobId, stream)
    if (kind === null) {
      void this.api
        .request<{ kind: string }>('GET', `/api/jobs/${encodeURIComponent(jobId)}`)
        .then((summary) => {
          const job = this.job(jobId)
          if (job !== undefined) job.kind = summary.kind as ModelJobKind
        })
        .catch(() => undefined)
    }
  }

  private receive(jobId: string, event: JobEvent): void {
    const job = this.job(jobId)
    if (job === undefined) return
    switch (event.type) {
      case 'state':
        job.state = event.data.state
        job.skipped = skippedFiles(event.data.result)
        if (FINAL_JOB_STATES.includes(event.data.state)) {
          this.streams.delete(jobId)
          job.cancelling = false
          void this.load()
        }
        break
      case 'model_progress':
        job.progress = event.data
        break
      case 'notice':
        job.notices.push(event.data)
        break
      case 'error':
        job.error = event.data.message
        break
      default:
        break
    }
  }
}

function skippedFiles(result: unknown): ImportSkip[] {
  if (typeof result !== 'object' || result === null || !('skipped' in result)) return []
  const skipped = (result as { skipped: unknown }).skipped
  return Array.isArray(skipped) ? (skipped as ImportSkip[]) : []
}

function message(error: unknown): string {
  if (error instanceof ApiError) return error.message
  console.error(error)
  return String(error)
}
