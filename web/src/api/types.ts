// The web client's names for the app server's JSON shapes. The API shapes themselves are generated
// from the server's pydantic models (generated.ts, `make api-types`); this file only names them for
// the client. Job events and results are generated too (server/jobs/event_payloads.py); JobEventData
// only maps each event name to its generated type. Hand-written here:
// - client-side constants and helpers (LANGUAGES, LLM_STAGES, CATEGORY_IDS, FINAL_JOB_STATES,
//   JOB_EVENT_NAMES, mediaUrl), which the compiler checks against the generated types.

import type * as G from './generated'

export type Language = G.PublicSettings['language']
export const LANGUAGES: readonly Language[] = ['de', 'en']

export type Localized = G.LocalizedText
export type ApiErrorBody = G.ApiErrorBody
export type Health = G.Health
export type NoticeLevel = G.NoticeLevel
export type Notice = G.NoticeView
export type SystemInfo = G.SystemInfo

export type SafetyLevel = G.SafetyLevel
export type ComfyUIMode = G.ComfyUIMode
export type ComfyUISettings = G.ComfyUISettings

export type LlmStageName = NonNullable<G.LlmTestResult['stage']>
export const LLM_STAGES: readonly LlmStageName[] = ['safety', 'interception', 'optimization', 'translation']

/** Which provider and model serve one LLM stage. */
export type ProviderChoice = G.ProviderChoice
export type LlmStageSettings = G.LlmStageSettings
/** The machine's lab policy: `locked` fields are read-only; `hide_settings` leaves only the language. */
export type SettingsPolicy = G.SettingsPolicyView
export type Settings = G.PublicSettings
/** `PUT /api/settings/comfyui`: the folder or address is checked before it is saved. */
export type ComfyUIChange = G.ComfyUIChange
export type ComfyUIChangeResult = G.ComfyUIChangeAnswer
export type PinChange = G.PinChange
export type SafetyLevelChange = G.SafetyLevelChange
export type LlmProvider = G.LlmProviderView
export type LlmProviders = G.LlmProviders
export type LlmModelInfo = G.ModelInfo
/** `POST /api/llm/test`: a failure is an answer with `ok: false` and a plain message. */
export type LlmTestResult = G.LlmTestResult
export type ComfyUIState = G.ComfyUIState
export type ComfyUIStatus = G.ComfyUIStatusView
export type ComfyUILogLine = G.LogLine
export type ComfyUILogs = G.ComfyUILogs
export type ComfyUIPool = G.ComfyUIPoolView
export type ComfyUIMachine = G.ComfyUIMachineView
export type PoolMachineChange = G.PoolMachineChange
export type StorageReport = G.StorageReport
/** `PUT /api/settings/offline`: going online needs the PIN once one is set. */
export type OfflineChange = G.OfflineChange
export type KeyProvider = G.KeyProvider
/** What the API says about a stored API key: never the key, only whether it is set and its end. */
export type KeyStatus = G.KeyStatus
export type KeyList = G.KeyList
/** What the UI may change without the teacher PIN. */
export type SettingsPatch = G.SettingsPatch

export type CategoryId = G.InterceptionCategory
export const CATEGORY_IDS: readonly CategoryId[] = [
  'arts',
  'aesthetics',
  'semantics',
  'technical_imaging',
  'heritage',
  'freestyle',
]
export type InterceptionKind = G.InterceptionKind
export type Interception = G.InterceptionView
export type InterceptionCategory = G.InterceptionCategoryView
export type InterceptionCatalog = G.InterceptionCatalogView
export type UnavailableReason = G.UnavailableReasonView
export type OutputDefaults = G.OutputDefaults
export type OutputBackend = G.OutputBackend
export type Player = G.MediaTypeGroupView['player']
export type Output = G.OutputView
export type MediaTypeGroup = G.MediaTypeGroupView
export type OutputCatalog = G.OutputCatalogView
export type CatalogProblem = G.CatalogProblemView
export type CatalogProblems = G.CatalogProblemsView
export type AttitudeOrigin = G.AttitudeOrigin
export type AttitudeConfig = G.InterceptionConfig
export type AttitudeDetail = G.AttitudeDetail
export type AttitudeList = G.AttitudeList
export type AttitudeDraft = G.AttitudeDraft
export type AttitudeBundle = G.AttitudeBundle
export type ResultKind = G.ResultKind
export type EndLanguage = G.EndLanguage

// ---------------------------------------------------------------- jobs and the creative loop (docs/api.md)

/** `202` answer of every step that starts a job. */
export type JobStarted = G.JobStarted
export type GenerationStarted = G.GenerationStarted
export type JobState = G.JobSummary['state']
export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'blocked']
export type JobSummary = G.JobSummary

export type PipelineStage = G.StageEvent['stage']

export type InterceptionRequest = G.InterceptionRequest
export type TeacherOverrideRequest = G.TeacherOverrideRequest
export type OptimizationRequest = G.OptimizationRequest
/** A number repeats a picture; "random" asks for a new one; absent uses the output's default. */
export type Seed = NonNullable<G.GenerationRequest['seed']>
export type GenerationRequest = G.GenerationRequest

export type InterceptionResult = G.InterceptionResult
export type OptimizationResult = G.OptimizationResult
/** A generated file; `url` is `/api/runs/<run_id>/media/<name>`. */
export type MediaItem = G.MediaItem
export type GenerationResult = G.GenerationResult

/** The `data` of each server-sent job event, by event name (the models: server/jobs/event_payloads.py).
 *  `message` of blocked, error and notice is the server's sentence in the reader's language. */
export type JobEventData = {
  state: G.StateEvent
  queue: G.QueueEvent
  comfyui_queue: G.ComfyUIQueueEvent
  stage: G.StageEvent
  safety: G.SafetyEvent
  token: G.TokenEvent
  round_start: G.RoundStartEvent
  round: G.RoundEvent
  text: G.TextEvent
  blocked: G.BlockedEvent
  error: G.ErrorEvent
  progress: G.ProgressEvent
  executing: G.ExecutingEvent
  preview: G.PreviewEvent
  media: G.MediaItem
  model_progress: G.ModelProgress
  notice: G.JobNotice
  cloud: G.CloudEvent
  phase: G.PhaseEvent
  install_progress: G.InstallProgressEvent
  self_test_picture: G.SelfTestPictureEvent
}

// ---------------------------------------------------------------- installing ComfyUI (server/comfyui_install)

/** The phases of an install ('models' is one of writing an offline bundle only). */
export type InstallPhase = Exclude<G.PhaseEvent['phase'], 'models'>
export const INSTALL_PHASES: readonly InstallPhase[] = [
  'download',
  'unpack',
  'python',
  'pytorch',
  'requirements',
  'first_start',
  'self_test',
]

export type DetectedGpu = G.DetectedGpu
export type InstallChoices = G.PlanChoices
export type InstallPlan = G.InstallPlan
export type InstallStatus = G.InstallStatus
export type InstallPointer = G.InstallPointer

export type CloudState = G.CloudEvent['state']

export type JobEventName = keyof JobEventData
export const JOB_EVENT_NAMES: readonly JobEventName[] = [
  'state',
  'queue',
  'comfyui_queue',
  'stage',
  'safety',
  'token',
  'round_start',
  'round',
  'text',
  'blocked',
  'error',
  'progress',
  'executing',
  'preview',
  'media',
  'model_progress',
  'notice',
  'cloud',
  'phase',
  'install_progress',
  'self_test_picture',
]

/** One job event: its sequence number, name and data, as a union the compiler can narrow by `type`. */
export type JobEvent = { [K in JobEventName]: { id: number; type: K; data: JobEventData[K] } }[JobEventName]

// ---------------------------------------------------------------- the gallery (server/runs/gallery.py)

export type RunStatus = G.RunStatus
export type MediaFile = G.MediaFileRecord
/** One run in the gallery's list. */
export type RunSummary = G.RunSummary
export type GalleryQuery = G.GalleryQuery
export type GalleryPage = G.GalleryPage
export type GalleryFacets = G.GalleryFacets
export type ErrorRecord = G.ErrorRecord
export type TelephoneRoundRecord = G.TelephoneRoundRecord
export type InterceptionRecord = G.InterceptionRecord
export type OptimizationRecord = G.OptimizationRecord
export type GenerationRecord = G.GenerationRecord
export type SafetyVerdictRecord = G.SafetyVerdictRecord
/** The run record (server/runs/models.py). */
export type RunRecord = G.RunRecord
export type RunDetail = G.RunDetail
export type ExportRequest = G.ExportRequest
export type ExportStarted = G.JobAccepted

export type ExportResult = G.ExportResult

export function mediaUrl(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/media/${encodeURIComponent(name)}`
}

// ---------------------------------------------------------------- models page (GET /api/models, docs/api.md)

export type ModelPhase = G.Phase
/** The data of a `model_progress` job event. */
export type ModelProgress = G.ModelProgress

/** A file an import found and did not take, with why (the server's sentence, in the reader's language). */
export type ImportSkip = G.ImportSkip
export type JobNotice = G.JobNotice

export type ModelFileState = G.FileState
export type ChecksumState = G.ChecksumState
export type FolderOrigin = G.FolderOrigin
export type FolderLayout = G.FolderLayout
export type ModelLicence = G.ModelLicence
export type ModelFileInfo = G.ModelFileInfo
export type OutputModels = G.OutputModels
export type ModelFolderInfo = G.ModelFolderView
export type ModelsOverview = G.ModelsOverviewView
export type ModelFolders = G.ModelFoldersView
export type ModelJobStarted = G.JobAccepted
export type PlaceKind = G.Place['kind']
export type Place = G.Place
export type FolderListing = G.FolderListing

// ---------------------------------------------------------------- classroom: the student's side (docs/classroom.md)

/** `POST /api/class/join`. */
export type JoinRequest = G.JoinRequest
/** Who this browser is in the class (`GET /api/class/me`, and the answer of a join). */
export type StudentMe = G.StudentMe
/** A job's place in the fair queue (the `queue` event). */
export type QueueEvent = G.QueueEvent

// ---------------------------------------------------------------- classroom, the teacher's side (docs/classroom.md)

export type ClassroomStatus = G.ClassroomStatus
/** `fixed` names the options a lab policy fixes (address, port, per_student_limit); their values are the defaults. */
export type ClassroomPolicy = G.ClassroomPolicyView
export type LanAddress = G.LanAddress
export type ClassView = G.ClassView
export type ClassOpenRequest = G.ClassOpenRequest
/** What the setup form chooses (the open request without the PIN). */
export type ClassOptions = Omit<G.ClassOpenRequest, 'pin'>
export type ClassOptionName = keyof ClassOptions
export type ClassDashboard = G.ClassDashboard
export type StudentView = G.StudentView
export type StudentStep = G.StudentView['step']
export type QueueEntryView = G.QueueEntryView
export type BlockView = G.BlockView
export type QueueChange = G.QueueChange
export type ClassClosed = G.ClassClosed
/** Who made a run when a student of a class made it (class, student, nickname at the time). */
export type RunOwner = G.RunOwner
export type ProjectorWindowOpened = G.ProjectorWindowOpened
