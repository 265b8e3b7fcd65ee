// The creative loop of one student (docs/design.md §2): idea and rules -> interception -> optimization for
// a chosen output -> generation. Created once in main.ts, so the idea survives a trip back to the
// attitude catalog.
//
// Every button acts only on the boxes above it: each step sends exactly what those boxes show. Starting
// a step stops (and clears) the steps below it, which belonged to the old text; editing a box changes
// nothing until the student acts again.

import { inject, reactive, readonly, toRaw, watch, type InjectionKey } from 'vue'

import { ApiError, type ApiClient } from '@/api/client'
import { JobEventStream } from '@/api/job-events'
import type {
  CloudState,
  GenerationResult,
  Interception,
  JobEvent,
  JobEventData,
  JobStarted,
  JobState,
  Language,
  Localized,
  MediaItem,
  OutputCatalog,
  PipelineStage,
  RunRecord,
  Seed,
} from '@/api/types'

import { WorkshopDrafts, type DraftField } from './workshop-drafts'

export type StepName = 'interception' | 'optimization' | 'generation'
const STEP_ORDER: readonly StepName[] = ['interception', 'optimization', 'generation']

/**
 * idle: not run yet; starting: the request is on its way; running: the job runs (queued included);
 * then how it ended.
 */
export type StepStatus = 'idle' | 'starting' | 'running' | 'succeeded' | 'failed' | 'blocked' | 'cancelled'

export interface StepProblem {
  /** failed: the step went wrong (retry possible); blocked: the safety check stopped the flow;
   *  lost: the connection to the app broke; cancelled: the student stopped it. */
  kind: 'failed' | 'blocked' | 'lost' | 'cancelled'
  /** The server's message in the UI language; null when the UI says it in its own words. */
  message: string | null
  /** A block's explanation code (e.g. "safety.needs_review.kids"); says whether a teacher may override. */
  code?: string | null
}

interface StepBase {
  status: StepStatus
  jobId: string | null
  /** Cancel was asked for; the job's 'cancelled' state ends it. */
  cancelling: boolean
  /** The stage the server reported last. */
  stage: PipelineStage | null
  problem: StepProblem | null
}

export interface TelephoneRound {
  index: number
  /** How many rounds this game has (0: not told). */
  total: number
  language: string
  languageName: Localized
  text: string
  finished: boolean
}

export interface InterceptionStep extends StepBase {
  /** The interception box: streamed in, then editable. */
  text: string
  rounds: TelephoneRound[]
}

export interface OptimizationStep extends StepBase {
  outputId: string | null
  /** The optimized box: streamed in, then editable. */
  text: string
}

export interface GenerationProgress {
  value: number
  max: number
  fraction: number
}

export interface GenerationStep extends StepBase {
  outputId: string | null
  /** The seed this attempt asked for (undefined: the output's default). */
  requestedSeed: Seed | undefined
  /** The job's place in the app's fair queue (how many start before it, paused, an estimate). */
  queue: JobEventData['queue'] | null
  /** Prompts ahead of ours in ComfyUI's own queue (others use the same ComfyUI). */
  comfyuiAhead: number
  progress: GenerationProgress | null
  /** A cloud output's request state and its provider's name (null for ComfyUI outputs). */
  cloud: { state: CloudState; provider: string } | null
  /** The address of the latest preview image while sampling. */
  preview: string | null
  media: MediaItem[]
  /** The seed the finished media were made with. */
  seed: number | null
}

export interface WorkshopState {
  attitudeId: string | null
  idea: string
  rules: string
  runId: string | null
  interception: InterceptionStep
  optimization: OptimizationStep
  generation: GenerationStep
  /** Results of earlier generations of this run, newest first (a small strip under the result). */
  earlier: MediaItem[]
  outputs: OutputCatalog | null
  outputsError: string | null
}

// The workshop in the tab's session storage: a reload (F5) before the first run finds the idea and
// rules typed so far. Once there is a run, the address names it and its record on the server is
// what a reload restores (restoreFromServer); a running step is followed again through its replay.
const STORAGE_KEY = 'ai4artsed.workshop'
type Snapshot = Omit<WorkshopState, 'outputs' | 'outputsError'>

function defaultStorage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage
  } catch {
    return null
  }
}

function idleInterception(): InterceptionStep {
  return { status: 'idle', jobId: null, cancelling: false, stage: null, problem: null, text: '', rounds: [] }
}

function idleOptimization(): OptimizationStep {
  return { status: 'idle', jobId: null, cancelling: false, stage: null, problem: null, outputId: null, text: '' }
}

function idleGeneration(): GenerationStep {
  return {
    status: 'idle',
    jobId: null,
    stage: null,
    problem: null,
    outputId: null,
    requestedSeed: undefined,
    queue: null,
    comfyuiAhead: 0,
    progress: null,
    cloud: null,
    preview: null,
    media: [],
    seed: null,
    cancelling: false,
  }
}

export function isBusy(status: StepStatus): boolean {
  return status === 'starting' || status === 'running'
}

function errorMessage(error: unknown): string | null {
  if (error instanceof ApiError) return error.message
  console.error(error)
  return null
}

/** The Telephone game as a teacher set it for one run, with the teacher PIN once one is set. */
export interface TelephoneOverride {
  recursion: NonNullable<Interception['recursion']>
  pin: string
}

export class WorkshopSession {
  private readonly api: ApiClient
  private readonly language: () => Language
  private readonly mutable: WorkshopState
  readonly state: Readonly<WorkshopState>
  private readonly streams = new Map<StepName, JobEventStream>()
  // Each start of a step counts up; answers that arrive for an older attempt are dropped.
  private readonly attempts: Record<StepName, number> = { interception: 0, optimization: 0, generation: 0 }

  private readonly storage: Storage | null
  private readonly drafts: WorkshopDrafts

  constructor(api: ApiClient, language: () => Language, storage: Storage | null = defaultStorage()) {
    this.api = api
    this.language = language
    this.storage = storage
    this.drafts = new WorkshopDrafts(storage)
    this.mutable = reactive<WorkshopState>({
      attitudeId: null,
      idea: '',
      rules: '',
      runId: null,
      interception: idleInterception(),
      optimization: idleOptimization(),
      generation: idleGeneration(),
      earlier: [],
      outputs: null,
      outputsError: null,
    })
    this.state = readonly(this.mutable) as Readonly<WorkshopState>
    if (this.storage !== null) {
      watch(() => this.snapshot(), (snapshot) => this.save(snapshot), { deep: true })
    }
    if (this.storage !== null && typeof window !== 'undefined') {
      // Leaving the page breaks its event streams; that is no lost connection the next page should show.
      for (const name of ['beforeunload', 'pagehide'] as const) {
        window.addEventListener(name, () => {
          this.leaving = true
        })
      }
    }
  }

  private leaving = false

  private snapshot(): Snapshot {
    const { outputs: _outputs, outputsError: _error, ...rest } = this.mutable
    return rest
  }

  private save(snapshot: Snapshot): void {
    if (this.leaving) return
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(toRaw(snapshot)))
    } catch {
      // A full or blocked storage only costs the restore after a reload.
    }
  }

  /** After a reload: the workshop of this attitude as it was, running steps followed again. */
  private restore(attitudeId: string): boolean {
    let saved: Snapshot | null = null
    try {
      const text = this.storage?.getItem(STORAGE_KEY)
      saved = text ? (JSON.parse(text) as Snapshot) : null
    } catch {
      saved = null
    }
    if (saved === null || saved.attitudeId !== attitudeId) return false
    Object.assign(this.mutable, saved)
    for (const name of STEP_ORDER) {
      const step = this.step(name)
      // A lost connection may have been the reload itself: the job tells how it went on.
      const lost = step.problem?.kind === 'lost' && step.jobId !== null
      if (!isBusy(step.status) && !lost) continue
      step.problem = null
      if (step.jobId === null) {
        // The request was on its way when the page went: its answer is lost.
        Object.assign(step, { status: 'failed', problem: { kind: 'lost', message: null } })
        continue
      }
      // The replay brings every piece again.
      if (name === 'interception') Object.assign(this.mutable.interception, { text: '', rounds: [] })
      if (name === 'optimization') this.mutable.optimization.text = ''
      if (name === 'generation') Object.assign(this.mutable.generation, { media: [], progress: null, preview: null })
      this.follow(name, step.jobId)
    }
    return true
  }

  // ------------------------------------------------------------------ the boxes

  setIdea(idea: string): void {
    this.mutable.idea = idea
    this.typed('idea', idea)
  }

  setRules(rules: string): void {
    this.mutable.rules = rules
    this.typed('rules', rules)
  }

  setInterceptionText(text: string): void {
    this.mutable.interception.text = text
    this.typed('interception', text)
  }

  setOptimizedText(text: string): void {
    this.mutable.optimization.text = text
    this.typed('optimization', text)
  }

  /** A box of the run on screen holds text that is not sent: kept as the run's draft. */
  private typed(field: DraftField, value: string): void {
    if (this.mutable.runId !== null) this.drafts.write(this.mutable.runId, field, value)
  }

  /** These boxes of the run on screen were sent (or replaced): their drafts go. */
  private sent(fields?: readonly DraftField[]): void {
    if (this.mutable.runId !== null) this.drafts.clear(this.mutable.runId, fields)
  }

  /** Takes an attitude into the workshop: its rules fill the rules box (a new attitude, new rules).
   *  With `runId` (the workshop's address names a run: after a reload, in a new window or another
   *  browser) the run's view is rebuilt from its record on the server, running steps followed. */
  useAttitude(attitude: Interception, runId: string | null = null): void {
    if (this.mutable.attitudeId === attitude.id && (runId === null || runId === this.mutable.runId)) return
    // A run is rebuilt from its record on the server; the tab's storage only keeps what was typed
    // before the first run.
    if (this.mutable.attitudeId === null && runId === null && this.restore(attitude.id)) return
    if (this.mutable.attitudeId !== null) this.leaveRun()
    this.mutable.attitudeId = attitude.id
    this.mutable.rules = attitude.context[this.language()]
    if (runId !== null) void this.restoreFromServer(attitude.id, runId)
  }

  /** The run's record is the truth: idea, rules, the interception text, the chosen output's text
   *  and the results, the newest one shown, the earlier ones in the strip. */
  private async restoreFromServer(attitudeId: string, runId: string): Promise<void> {
    let record: RunRecord
    let running: { job_id: string; kind: string }[]
    try {
      ;({ record, running } = await this.api.runDetail(runId))
    } catch (error) {
      errorMessage(error)
      return
    }
    // The student moved on meanwhile, or the run belongs to another attitude.
    if (this.mutable.attitudeId !== attitudeId || this.mutable.runId !== null) return
    if (record.interception === null || record.interception.config_id !== attitudeId) return
    const interception = record.interception
    this.mutable.runId = record.id
    this.mutable.idea = record.idea
    this.mutable.rules = interception.rules
    const blocked = record.status === 'blocked' && record.generations.length === 0
    Object.assign(this.mutable.interception, idleInterception(), {
      status: interception.finished ? 'succeeded' : blocked ? 'blocked' : 'idle',
      text: interception.output,
      problem: !interception.finished && blocked ? { kind: 'blocked', message: null } : null,
    })
    const optimization = record.optimizations.at(-1)
    if (optimization !== undefined && optimization.finished) {
      Object.assign(this.mutable.optimization, idleOptimization(), {
        status: 'succeeded',
        outputId: optimization.output_id,
        text: optimization.output,
      })
    }
    const media = (generation: RunRecord['generations'][number]): MediaItem[] =>
      generation.media.map((item) => ({
        ...item,
        url: `/api/runs/${encodeURIComponent(record.id)}/media/${encodeURIComponent(item.name)}`,
      }))
    const last = record.generations.at(-1)
    if (last !== undefined && last.media.length > 0) {
      Object.assign(this.mutable.generation, idleGeneration(), {
        status: 'succeeded',
        outputId: last.output_id,
        media: media(last),
        seed: last.seed,
      })
    }
    this.mutable.earlier = record.generations
      .slice(0, last !== undefined && last.media.length > 0 ? -1 : undefined)
      .reverse()
      .flatMap(media)
    // What the student typed after the last sending, before the reload.
    const draft = this.drafts.read(record.id)
    if (draft.idea !== undefined) this.mutable.idea = draft.idea
    if (draft.rules !== undefined) this.mutable.rules = draft.rules
    if (draft.interception !== undefined && this.mutable.interception.status === 'succeeded') {
      this.mutable.interception.text = draft.interception
    }
    if (draft.optimization !== undefined && this.mutable.optimization.status === 'succeeded') {
      this.mutable.optimization.text = draft.optimization
    }
    if (interception.finished) void this.loadOutputs()
    // A step still running: its event replay brings every piece from the start.
    for (const job of running) {
      const name = STEP_ORDER.find((step) => step === job.kind)
      if (name === undefined) continue
      if (name === 'interception') Object.assign(this.mutable.interception, idleInterception())
      if (name === 'optimization') {
        Object.assign(this.mutable.optimization, idleOptimization(), { outputId: optimization?.output_id ?? null })
      }
      if (name === 'generation') {
        Object.assign(this.mutable.generation, idleGeneration(), { outputId: last?.output_id ?? null })
      }
      this.follow(name, job.job_id)
    }
  }

  /** Another attitude: a fresh run view. Jobs of the old run go on and land in the gallery; nothing
   *  of them stays on screen under the new attitude's title. */
  private leaveRun(): void {
    for (const name of STEP_ORDER) {
      this.attempts[name] += 1
      this.streams.get(name)?.close()
      this.streams.delete(name)
      this.reset(name)
    }
    this.mutable.runId = null
    this.mutable.earlier = []
  }

  resetRules(attitude: Interception): void {
    this.setRules(attitude.context[this.language()])
  }

  /** After a language switch: rules the student left as they were follow the new language. */
  followLanguage(attitude: Interception, previous: Language, current: Language): void {
    if (this.mutable.rules.trim() === attitude.context[previous].trim()) {
      this.setRules(attitude.context[current])
    }
  }

  // ------------------------------------------------------------------ the output catalog

  async loadOutputs(): Promise<void> {
    try {
      this.mutable.outputs = await this.api.outputs()
      this.mutable.outputsError = null
    } catch (error) {
      this.mutable.outputsError = errorMessage(error) ?? String(error)
    }
  }

  // ------------------------------------------------------------------ step 2: interception

  /** Start: safety check and interception of the idea with the rules box. */
  async startInterception(attitude: Interception, telephone?: TelephoneOverride): Promise<void> {
    const attempt = this.begin('interception')
    // Idea and rules go to a new run; nothing typed into the old one's boxes is left to keep.
    this.sent()
    Object.assign(this.mutable.interception, idleInterception(), { status: 'starting' })
    this.mutable.runId = null
    this.mutable.earlier = []
    await this.launch('interception', attempt, () =>
      this.api.startInterception({
        config_id: attitude.id,
        idea: this.mutable.idea,
        rules: this.mutable.rules,
        language: this.language(),
        // The teacher's choice of rounds, languages and end for this run only (checked with the PIN).
        ...(telephone ? { telephone: telephone.recursion, pin: telephone.pin || undefined } : {}),
      }),
    )
  }

  /** The teacher's PIN lets this run's "needs review" block through: the interception runs again
   *  for this run. A refused PIN throws (the dialog shows why) and leaves the block as it was. */
  async overrideBlock(pin: string): Promise<void> {
    const runId = this.mutable.runId
    if (runId === null) return
    const started = await this.api.overrideBlock(runId, { pin })
    this.begin('interception')
    this.sent(['interception', 'optimization'])
    Object.assign(this.mutable.interception, idleInterception(), { status: 'starting' })
    this.follow('interception', started.job_id)
  }

  private onInterceptionEvent(event: JobEvent): void {
    const step = this.mutable.interception
    switch (event.type) {
      case 'token':
        if (typeof event.data.round !== 'number') {
          step.text += event.data.text
        } else {
          const round = step.rounds.find((item) => item.index === event.data.round)
          if (round !== undefined) round.text += event.data.text
        }
        break
      case 'round_start':
        step.rounds.push({
          index: event.data.index,
          total: event.data.total ?? 0,
          language: event.data.language,
          languageName: event.data.language_name,
          text: '',
          finished: false,
        })
        break
      case 'round': {
        const round = step.rounds.find((item) => item.index === event.data.index)
        if (round !== undefined) {
          round.text = event.data.text
          round.finished = true
        }
        break
      }
      case 'text':
        if (event.data.stage === 'interception') step.text = event.data.text
        break
      case 'state':
        if (event.data.state === 'succeeded') void this.loadOutputs()
        break
      default:
        break
    }
  }

  // ------------------------------------------------------------------ step 3: optimization

  /** Choosing a model (again, even the same one) rewrites the interception box's text for it. */
  async optimize(outputId: string): Promise<void> {
    const runId = this.mutable.runId
    if (runId === null) return
    const attempt = this.begin('optimization')
    this.sent(['interception', 'optimization'])
    Object.assign(this.mutable.optimization, idleOptimization(), { status: 'starting', outputId })
    await this.launch('optimization', attempt, () =>
      this.api.startOptimization({ run_id: runId, text: this.mutable.interception.text, output_id: outputId }),
    )
  }

  private onOptimizationEvent(event: JobEvent): void {
    const step = this.mutable.optimization
    if (event.type === 'token' && event.data.stage === 'optimization') step.text += event.data.text
    // applied: false means the text passed through unchanged; it simply appears, without a notice.
    if (event.type === 'text' && event.data.stage === 'optimization') step.text = event.data.text
  }

  // ------------------------------------------------------------------ step 4: generation

  /** Generates from exactly what the optimized box shows, for the chosen output. */
  async generate(seed?: Seed): Promise<void> {
    const runId = this.mutable.runId
    const outputId = this.mutable.optimization.outputId
    if (runId === null || outputId === null) return
    // The last result stays visible in the strip of this run's earlier results.
    this.mutable.earlier.unshift(...this.mutable.generation.media)
    const attempt = this.begin('generation')
    this.sent(['optimization'])
    Object.assign(this.mutable.generation, idleGeneration(), { status: 'starting', outputId, requestedSeed: seed })
    const body = { run_id: runId, text: this.mutable.optimization.text, output_id: outputId }
    await this.launch('generation', attempt, () =>
      this.api.startGeneration(seed === undefined ? body : { ...body, seed }),
    )
  }

  async cancelGeneration(): Promise<void> {
    await this.cancel('generation')
  }

  /** Stops a running step (the interception, Telephone, optimization or generation): the server
   *  stops the language model or ComfyUI; the step ends as cancelled. */
  async cancel(name: StepName): Promise<void> {
    const step = this.step(name)
    if (step.jobId === null || !isBusy(step.status) || step.cancelling) return
    step.cancelling = true
    try {
      // The job ends with a 'cancelled' state event, which the stream reports.
      await this.api.cancelJob(step.jobId)
    } catch (error) {
      step.cancelling = false
      step.problem = { kind: 'failed', message: errorMessage(error) }
    }
  }

  private onGenerationEvent(event: JobEvent): void {
    const step = this.mutable.generation
    switch (event.type) {
      case 'queue':
        step.queue = { ...event.data }
        break
      case 'comfyui_queue':
        step.comfyuiAhead = event.data.ahead
        break
      case 'executing':
        step.comfyuiAhead = 0
        break
      case 'progress':
        step.queue = null
        step.comfyuiAhead = 0
        step.progress = {
          value: event.data.value,
          max: event.data.max,
          fraction: Math.min(1, Math.max(0, event.data.fraction)),
        }
        break
      case 'cloud':
        step.queue = null
        step.cloud = { state: event.data.state, provider: event.data.provider }
        break
      case 'preview':
        // The index makes each new preview a new address, so the browser fetches it instead of reusing the last.
        if (step.jobId !== null && event.data.mime_type.startsWith('image/')) {
          step.preview = `/api/jobs/${encodeURIComponent(step.jobId)}/preview?index=${event.data.index}`
        }
        break
      case 'media':
        this.addMedia(event.data)
        break
      case 'state':
        if (event.data.state === 'running') step.queue = null
        if (event.data.state === 'succeeded') {
          const result = event.data.result as unknown as GenerationResult | null
          for (const item of result?.media ?? []) this.addMedia(item)
          step.seed = typeof result?.seed === 'number' ? result.seed : null
          step.progress = { value: step.progress?.max ?? 1, max: step.progress?.max ?? 1, fraction: 1 }
          step.preview = null
        }
        break
      default:
        break
    }
  }

  private addMedia(item: MediaItem): void {
    const media = this.mutable.generation.media
    if (!media.some((known) => known.name === item.name)) media.push(item)
  }

  // ------------------------------------------------------------------ shared

  /** Starts a new attempt of a step: stops it and every later step (their boxes belonged to the old text). */
  private begin(name: StepName): number {
    const index = STEP_ORDER.indexOf(name)
    for (const later of STEP_ORDER.slice(index)) {
      this.attempts[later] += 1
      this.stopFollowing(later)
    }
    for (const later of STEP_ORDER.slice(index + 1)) this.reset(later)
    return this.attempts[name]
  }

  private reset(name: StepName): void {
    if (name === 'interception') Object.assign(this.mutable.interception, idleInterception())
    if (name === 'optimization') Object.assign(this.mutable.optimization, idleOptimization())
    if (name === 'generation') {
      this.mutable.earlier.unshift(...this.mutable.generation.media)
      Object.assign(this.mutable.generation, idleGeneration())
    }
  }

  private step(name: StepName): StepBase {
    return this.mutable[name]
  }

  private async launch(name: StepName, attempt: number, request: () => Promise<JobStarted>): Promise<void> {
    let started: JobStarted
    try {
      started = await request()
    } catch (error) {
      if (this.attempts[name] !== attempt) return
      Object.assign(this.step(name), { status: 'failed', problem: { kind: 'failed', message: errorMessage(error) } })
      return
    }
    if (this.attempts[name] !== attempt) {
      // The student started again meanwhile: this job's result would belong to an old text.
      void this.api.cancelJob(started.job_id).catch(() => undefined)
      return
    }
    if (name === 'interception') this.mutable.runId = started.run_id
    this.follow(name, started.job_id)
  }

  private follow(name: StepName, jobId: string): void {
    const step = this.step(name)
    step.jobId = jobId
    step.status = 'running'
    this.streams.set(
      name,
      new JobEventStream(jobId, {
        event: (event) => this.onEvent(name, event),
        lost: () => {
          if (!isBusy(step.status)) return
          step.status = 'failed'
          step.problem = { kind: 'lost', message: null }
        },
      }),
    )
  }

  private onEvent(name: StepName, event: JobEvent): void {
    const step = this.step(name)
    switch (event.type) {
      case 'stage':
        step.stage = event.data.stage
        break
      case 'blocked':
        step.problem = { kind: 'blocked', message: event.data.message, code: event.data.code }
        break
      case 'error':
        step.problem = { kind: 'failed', message: event.data.message }
        break
      case 'state':
        this.onState(name, event.data.state)
        break
      default:
        break
    }
    if (name === 'interception') this.onInterceptionEvent(event)
    if (name === 'optimization') this.onOptimizationEvent(event)
    if (name === 'generation') this.onGenerationEvent(event)
  }

  private onState(name: StepName, state: JobState): void {
    const step = this.step(name)
    switch (state) {
      case 'queued':
      case 'running':
        step.status = 'running'
        break
      case 'succeeded':
        step.status = 'succeeded'
        step.problem = null
        break
      case 'failed':
        step.status = 'failed'
        step.problem ??= { kind: 'failed', message: null }
        break
      case 'blocked':
        step.status = 'blocked'
        step.problem ??= { kind: 'blocked', message: null }
        break
      case 'cancelled':
        step.status = 'cancelled'
        step.problem = { kind: 'cancelled', message: null }
        break
      default:
        break
    }
    if (state !== 'queued' && state !== 'running') step.cancelling = false
  }

  /** Closes a step's event stream and cancels its job if it still runs. */
  private stopFollowing(name: StepName): void {
    const stream = this.streams.get(name)
    if (stream === undefined) return
    this.streams.delete(name)
    stream.close()
    const step = this.step(name)
    if (isBusy(step.status) && step.jobId !== null) {
      void this.api.cancelJob(step.jobId).catch(() => undefined)
    }
  }
}

export const WORKSHOP_SESSION: InjectionKey<WorkshopSession> = Symbol('WorkshopSession')

export function useWorkshopSession(): WorkshopSession {
  const session = inject(WORKSHOP_SESSION)
  if (session === undefined) throw new Error('useWorkshopSession() needs the WorkshopSession provided in main.ts')
  return session
}
