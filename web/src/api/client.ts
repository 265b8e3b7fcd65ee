// The one way the UI talks to the app server. The page carries the HttpOnly session cookie that the
// server set when the window opened the launch link, so every request is same-origin with credentials.

import type {
  ApiErrorBody,
  AttitudeBundle,
  AttitudeDetail,
  AttitudeDraft,
  AttitudeList,
  CatalogProblems,
  ClassClosed,
  ClassDashboard,
  ClassOpenRequest,
  ClassView,
  ClassroomStatus,
  ProjectorWindowOpened,
  ExportRequest,
  ExportStarted,
  InstallChoices,
  InstallPlan,
  InstallStatus,
  GalleryFacets,
  GalleryPage,
  ComfyUIChange,
  ComfyUIChangeResult,
  ComfyUILogs,
  ComfyUIPool,
  ComfyUIStatus,
  FolderListing,
  GalleryQuery,
  GenerationRequest,
  Health,
  InterceptionCatalog,
  InterceptionRequest,
  JobStarted,
  JoinRequest,
  JobSummary,
  KeyList,
  KeyStatus,
  Language,
  LlmModelInfo,
  LlmProviders,
  LlmStageName,
  LlmTestResult,
  ModelFolderInfo,
  ModelFolders,
  ModelJobStarted,
  ModelsOverview,
  OfflineChange,
  OptimizationRequest,
  OutputCatalog,
  RunDetail,
  PinChange,
  Place,
  ProviderChoice,
  QueueChange,
  SafetyLevelChange,
  Settings,
  SettingsPatch,
  StorageReport,
  StudentMe,
  SystemInfo,
  TeacherOverrideRequest,
} from './types'

/** A failed request, with a message a person can act on (the server's, in the UI language). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** How long to wait before trying again (a 429's Retry-After), in seconds; null when not said. */
  readonly retryAfterS: number | null

  constructor(status: number, code: string, message: string, retryAfterS: number | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.retryAfterS = retryAfterS
  }
}

/** Codes of failures that happen before the server could say anything. */
export const UNREACHABLE = 'app_unreachable'
export const UNEXPECTED_ANSWER = 'unexpected_answer'

export interface ApiClientOptions {
  /** The UI language; sent as Accept-Language so server messages come back in it. */
  language(): Language
  /** Messages for failures the server cannot describe (it is gone, or answered something odd). */
  unreachableMessage(): string
  unexpectedMessage(status: number): string
  /** Called on 401: the page was not opened through the app's window or its start link (or, for a
   *  student, the class login is no longer valid: `class_login_invalid`). */
  onUnauthorized(code: string): void
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error = (value as { error: unknown }).error
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  )
}

/** Seconds to wait from a Retry-After header (seconds form) or a `retry_after` in the error body. */
function retryAfter(response: Response, payload: ApiErrorBody): number | null {
  const header = Number.parseInt(response.headers.get('Retry-After') ?? '', 10)
  if (Number.isFinite(header) && header >= 0) return header
  const inBody = (payload.error as { retry_after?: unknown }).retry_after ?? (payload as { retry_after?: unknown }).retry_after
  return typeof inBody === 'number' && Number.isFinite(inBody) ? Math.max(0, Math.ceil(inBody)) : null
}

export class ApiClient {
  private readonly options: ApiClientOptions

  constructor(options: ApiClientOptions) {
    this.options = options
  }

  health(): Promise<Health> {
    return this.request('GET', '/api/health')
  }

  systemInfo(): Promise<SystemInfo> {
    return this.request('GET', '/api/system/info')
  }

  /** An information notice stays dismissed for this app version (the server remembers it). */
  dismissNotice(code: string): Promise<SystemInfo> {
    return this.request('POST', '/api/system/notices/dismiss', { code })
  }

  settings(): Promise<Settings> {
    return this.request('GET', '/api/settings')
  }

  updateSettings(patch: SettingsPatch): Promise<Settings> {
    return this.request('PATCH', '/api/settings', patch)
  }

  /** The API keys: whether each is set and its last four characters (never the key). */
  keys(): Promise<KeyList> {
    return this.request('GET', '/api/keys')
  }

  setKey(name: string, key: string, pin?: string): Promise<KeyStatus> {
    return this.request('PUT', `/api/keys/${encodeURIComponent(name)}`, pin ? { key, pin } : { key })
  }

  deleteKey(name: string, pin?: string): Promise<KeyStatus> {
    return this.request('DELETE', `/api/keys/${encodeURIComponent(name)}`, pin ? { pin } : {})
  }

  setOffline(change: OfflineChange): Promise<Settings> {
    return this.request('PUT', '/api/settings/offline', change)
  }

  interceptions(): Promise<InterceptionCatalog> {
    return this.request('GET', '/api/catalog/interceptions')
  }

  outputs(): Promise<OutputCatalog> {
    return this.request('GET', '/api/catalog/outputs')
  }

  catalogProblems(): Promise<CatalogProblems> {
    return this.request('GET', '/api/catalog/problems')
  }

  // ---------------------------------------------------------------- attitude editor

  attitudes(): Promise<AttitudeList> {
    return this.request('GET', '/api/attitudes')
  }

  createAttitude(attitude: AttitudeDraft, pin?: string): Promise<AttitudeDetail> {
    return this.request('POST', '/api/attitudes', pin ? { attitude, pin } : { attitude })
  }

  updateAttitude(id: string, attitude: AttitudeDraft, pin?: string): Promise<AttitudeDetail> {
    return this.request('PUT', `/api/attitudes/${encodeURIComponent(id)}`, pin ? { attitude, pin } : { attitude })
  }

  duplicateAttitude(id: string, pin?: string): Promise<AttitudeDetail> {
    return this.request('POST', `/api/attitudes/${encodeURIComponent(id)}/duplicate`, pin ? { pin } : {})
  }

  deleteAttitude(id: string, pin?: string): Promise<{ deleted: string }> {
    return this.request('DELETE', `/api/attitudes/${encodeURIComponent(id)}`, pin ? { pin } : {})
  }

  /** The address of the .json download of the given attitudes. */
  attitudeExportUrl(ids: string[]): string {
    return `/api/attitudes/export?ids=${encodeURIComponent(ids.join(','))}`
  }

  previewAttitudeImport(bundle: unknown): Promise<AttitudeBundle> {
    return this.request('POST', '/api/attitudes/import/preview', bundle)
  }

  importAttitudes(bundle: AttitudeBundle, pin?: string): Promise<AttitudeBundle> {
    return this.request('POST', '/api/attitudes/import', pin ? { bundle, pin } : { bundle })
  }

  /** Step 2 of the creative loop: safety check and interception of the idea; creates the run. */
  startInterception(body: InterceptionRequest): Promise<JobStarted> {
    return this.request('POST', '/api/interception', body)
  }

  /** The teacher lets this run's "needs review" block through (PIN); the step runs again. */
  overrideBlock(runId: string, body: TeacherOverrideRequest): Promise<JobStarted> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/teacher-override`, body)
  }

  /** Step 3: rewrites the interception box's text for one output (model). */
  startOptimization(body: OptimizationRequest): Promise<JobStarted> {
    return this.request('POST', '/api/optimization', body)
  }

  /** Step 4: translation, safety check and generation of the media. */
  startGeneration(body: GenerationRequest): Promise<JobStarted> {
    return this.request('POST', '/api/generation', body)
  }

  /** The gallery: runs newest first, filtered and paged. */
  listRuns(query: GalleryQuery): Promise<GalleryPage> {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value))
    }
    const search = params.toString()
    return this.request('GET', search ? `/api/runs?${search}` : '/api/runs')
  }

  runFacets(): Promise<GalleryFacets> {
    return this.request('GET', '/api/runs/facets')
  }

  /** One run with every step, for the transparency view. */
  runDetail(runId: string): Promise<RunDetail> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/detail`)
  }

  deleteRun(runId: string): Promise<{ deleted: string }> {
    return this.request('DELETE', `/api/runs/${encodeURIComponent(runId)}`)
  }

  /** A zip of runs (media, HTML pages, records), written by a job; its result names the download. */
  startExport(body: ExportRequest): Promise<ExportStarted> {
    return this.request('POST', '/api/runs/exports', body)
  }

  // ---------------------------------------------------------------- models page

  models(): Promise<ModelsOverview> {
    return this.request('GET', '/api/models')
  }

  importModels(folder: string): Promise<ModelJobStarted> {
    return this.request('POST', '/api/models/import', { folder })
  }

  /** Only after the teacher saw and accepted every chosen model's licence. */
  downloadModels(modelIds: string[]): Promise<ModelJobStarted> {
    return this.request('POST', '/api/models/download', { model_ids: modelIds, licence_accepted: true })
  }

  /** `null`: every model file that is present. */
  verifyModels(modelIds: string[] | null): Promise<ModelJobStarted> {
    return this.request('POST', '/api/models/verify', { model_ids: modelIds })
  }

  prepareBundle(folder: string, modelIds: string[]): Promise<ModelJobStarted> {
    return this.request('POST', '/api/models/bundle', { folder, model_ids: modelIds })
  }

  removeModelFile(modelId: string): Promise<{ removed: string }> {
    return this.request('DELETE', `/api/models/files/${encodeURIComponent(modelId)}`)
  }

  modelFolders(): Promise<ModelFolders> {
    return this.request('GET', '/api/models/folders')
  }

  addModelFolder(path: string): Promise<ModelFolderInfo> {
    return this.request('POST', '/api/models/folders', { path })
  }

  setModelFolderEnabled(folderId: string, enabled: boolean): Promise<ModelFolderInfo> {
    return this.request('PATCH', `/api/models/folders/${encodeURIComponent(folderId)}`, { enabled })
  }

  removeModelFolder(folderId: string): Promise<{ removed: string }> {
    return this.request('DELETE', `/api/models/folders/${encodeURIComponent(folderId)}`)
  }

  setFindExistingModelFolders(findExisting: boolean): Promise<{ find_existing: boolean }> {
    return this.request('PUT', '/api/models/folders/find-existing', { find_existing: findExisting })
  }

  modelPlaces(): Promise<{ places: Place[] }> {
    return this.request('GET', '/api/models/places')
  }

  browseFolder(path: string): Promise<FolderListing> {
    return this.request('GET', `/api/models/browse?path=${encodeURIComponent(path)}`)
  }

  restartComfyUI(): Promise<unknown> {
    return this.request('POST', '/api/comfyui/restart')
  }

  // ---------------------------------------------------------------- settings page

  setSafetyLevel(change: SafetyLevelChange): Promise<Settings> {
    return this.request('PUT', '/api/settings/safety-level', change)
  }

  setTeacherPin(change: PinChange): Promise<Settings> {
    return this.request('PUT', '/api/settings/teacher-pin', change)
  }

  setComfyUI(change: ComfyUIChange): Promise<ComfyUIChangeResult> {
    return this.request('PUT', '/api/settings/comfyui', change)
  }

  comfyUIStatus(): Promise<ComfyUIStatus> {
    return this.request('GET', '/api/comfyui/status')
  }

  comfyUIPool(): Promise<ComfyUIPool> {
    return this.request('GET', '/api/comfyui/pool')
  }

  comfyUILogs(after = 0): Promise<ComfyUILogs> {
    return this.request('GET', `/api/comfyui/logs?after=${after}`)
  }

  startComfyUI(): Promise<ComfyUIStatus> {
    return this.request('POST', '/api/comfyui/start')
  }

  llmProviders(): Promise<LlmProviders> {
    return this.request('GET', '/api/llm/providers')
  }

  llmModels(providerId: string, baseUrl?: string | null): Promise<{ models: LlmModelInfo[] }> {
    const query = baseUrl ? `?base_url=${encodeURIComponent(baseUrl)}` : ''
    return this.request('GET', `/api/llm/providers/${encodeURIComponent(providerId)}/models${query}`)
  }

  /** One tiny real chat request for a stage's saved choice, or for a choice not saved yet. */
  testLlm(target: { stage: LlmStageName } | { choice: ProviderChoice }): Promise<LlmTestResult> {
    return this.request('POST', '/api/llm/test', target)
  }

  storage(): Promise<StorageReport> {
    return this.request('GET', '/api/system/storage')
  }

  comfyUIInstallStatus(): Promise<InstallStatus> {
    return this.request('GET', '/api/comfyui/install')
  }

  /** What an install would do (GPU, sizes, sources); nothing is downloaded. */
  comfyUIInstallPlan(choices: InstallChoices): Promise<InstallPlan> {
    return this.request('POST', '/api/comfyui/install/plan', choices)
  }

  installComfyUI(choices: InstallChoices, leaveOffline: boolean, pin: string | null = null): Promise<{ job_id: string }> {
    return this.request('POST', '/api/comfyui/install', { choices, leave_offline: leaveOffline, pin })
  }

  /** A lab bundle (ComfyUI archive + wheels, with checksums, and the chosen model files) written
   *  into a folder, e.g. a USB stick. */
  makeComfyUIBundle(
    folder: string,
    choices: InstallChoices,
    leaveOffline: boolean,
    pin: string | null = null,
    modelIds: string[] = [],
  ): Promise<{ job_id: string }> {
    return this.request('POST', '/api/comfyui/install/bundle', {
      folder,
      choices,
      leave_offline: leaveOffline,
      pin,
      model_ids: modelIds,
    })
  }

  rollBackComfyUI(pin: string | null = null): Promise<{ current: string | null; previous: string | null }> {
    return this.request('POST', '/api/comfyui/install/rollback', { pin })
  }

  removeInstalledComfyUI(pin: string | null = null): Promise<InstallStatus> {
    return this.request('DELETE', '/api/comfyui/install', { pin })
  }

  // ---------------------------------------------------------------- classroom: the student's side

  /** A student joins the open class with its code; the answer sets the class cookie. */
  joinClass(body: JoinRequest): Promise<StudentMe> {
    return this.request('POST', '/api/class/join', body)
  }

  /** Who this browser is in the class; 401 `class_login_invalid` once removed or the class closed. */
  classMe(): Promise<StudentMe> {
    return this.request('GET', '/api/class/me')
  }

  // ---------------------------------------------------------------- classroom (the teacher's side)

  classroom(): Promise<ClassroomStatus> {
    return this.request('GET', '/api/classroom')
  }

  openClass(body: ClassOpenRequest): Promise<ClassView> {
    return this.request('POST', '/api/classroom', body)
  }

  /** Every student is out at once: the LAN listener closes and their logins are refused. */
  closeClass(pin?: string): Promise<ClassClosed> {
    return this.request('DELETE', '/api/classroom', pin ? { pin } : {})
  }

  classDashboard(): Promise<ClassDashboard> {
    return this.request('GET', '/api/classroom/dashboard')
  }

  changeClassQueue(change: QueueChange): Promise<ClassDashboard> {
    return this.request('POST', '/api/classroom/queue', change)
  }

  removeStudent(studentId: string): Promise<ClassDashboard> {
    return this.request('DELETE', `/api/classroom/students/${encodeURIComponent(studentId)}`)
  }

  setRunHidden(runId: string, hidden: boolean): Promise<ClassDashboard> {
    return this.request('PUT', `/api/classroom/runs/${encodeURIComponent(runId)}/hidden`, { hidden })
  }

  /** `null` ends the projection (the projector shows its calm placeholder). */
  project(runId: string | null): Promise<ClassDashboard> {
    return this.request('PUT', '/api/classroom/projection', { run_id: runId })
  }

  /** The app's own window opens (or raises) its projector window; `opened: false` without one. */
  openProjectorWindow(): Promise<ProjectorWindowOpened> {
    return this.request('POST', '/api/classroom/projector-window')
  }

  cancelJob(jobId: string): Promise<JobSummary> {
    return this.request('POST', `/api/jobs/${encodeURIComponent(jobId)}/cancel`)
  }

  /** Sends one request; resolves with the parsed JSON or rejects with an ApiError. */
  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Accept-Language': this.options.language(),
    }
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }

    let response: Response
    try {
      response = await fetch(path, init)
    } catch {
      throw new ApiError(0, UNREACHABLE, this.options.unreachableMessage())
    }

    const payload: unknown = await response.json().catch(() => undefined)
    if (response.ok && payload !== undefined) return payload as T

    const code = isErrorBody(payload) ? payload.error.code : UNEXPECTED_ANSWER
    if (response.status === 401) this.options.onUnauthorized(code)
    if (isErrorBody(payload)) {
      throw new ApiError(response.status, code, payload.error.message, retryAfter(response, payload))
    }
    throw new ApiError(response.status, UNEXPECTED_ANSWER, this.options.unexpectedMessage(response.status))
  }
}
