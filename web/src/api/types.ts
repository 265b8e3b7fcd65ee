// Shapes of the app server's JSON answers (see server/api/*.py). Keep in step with the blueprints.

export type Language = 'de' | 'en'
export const LANGUAGES: readonly Language[] = ['de', 'en']

export interface Localized {
  de: string
  en: string
}

export interface ApiErrorBody {
  error: { code: string; message: string }
}

export interface Health {
  status: 'ok'
  version: string
}

export type NoticeLevel = 'info' | 'warning'

export interface Notice {
  code: string
  level: NoticeLevel
  message: string
}

export interface SystemInfo {
  version: string
  portable: boolean
  data_dir: string
  notices: Notice[]
}

export type SafetyLevel = 'kids' | 'youth' | 'adult' | 'research'
export type ComfyUIMode = 'managed' | 'external' | 'none'

export interface ComfyUISettings {
  mode: ComfyUIMode
  directory: string | null
  python: string | null
  url: string | null
}

export type LlmStageName = 'safety' | 'interception' | 'optimization' | 'translation'
export const LLM_STAGES: readonly LlmStageName[] = ['safety', 'interception', 'optimization', 'translation']

/** Which provider and model serve one LLM stage. */
export interface ProviderChoice {
  provider_id: string
  model: string
  base_url?: string | null
}

export type LlmStageSettings = Record<LlmStageName, ProviderChoice>

/**
 * The machine's lab policy (set by an administrator): `locked` names top-level settings fields that
 * the page shows read-only; `hide_settings` leaves only the language. Absent: nothing is locked.
 */
export interface SettingsPolicy {
  locked?: string[]
  hide_settings?: boolean
}

export interface Settings {
  schema_version: number
  language: Language
  safety_level: SafetyLevel
  safety_llm_check: 'when_unsure' | 'always'
  /** No connection to anything but this computer (the default of a new install). */
  offline: boolean
  comfyui: ComfyUISettings
  llm: LlmStageSettings
  /** Whether a teacher PIN exists; then going online and changing keys need it. */
  teacher_pin_set: boolean
  /** A PIN exists but its file cannot be read: guarded changes are refused until school IT resets it. */
  teacher_pin_locked: boolean
  /** The first-run wizard was finished or skipped. */
  first_run_done: boolean
  policy?: SettingsPolicy
}

/** `PUT /api/settings/comfyui`: the folder or address is checked before it is saved. */
export interface ComfyUIChange {
  mode: ComfyUIMode
  directory?: string | null
  python?: string | null
  url?: string | null
}

export interface ComfyUIChangeResult extends Settings {
  /** ComfyUI still runs with the settings from before: offer a restart. */
  restart_needed: boolean
  /** This launch uses a ComfyUI chosen on the command line; the saved choice applies next time. */
  command_line_override: boolean
}

export interface PinChange {
  current_pin?: string
  new_pin: string
}

export interface SafetyLevelChange {
  level: SafetyLevel
  pin?: string
}

export interface LlmProvider {
  id: string
  kind: string
  name: Localized
  base_url: string | null
  needs_key: boolean
  key_set: boolean
  is_cloud: boolean | null
}

export interface LlmProviders {
  providers: LlmProvider[]
  test_grade_stages: LlmStageName[]
}

export interface LlmModelInfo {
  id: string
}

/** `POST /api/llm/test`: a failure is an answer with `ok: false` and a plain message. */
export interface LlmTestResult {
  ok: boolean
  stage: LlmStageName | null
  provider_id: string
  model: string
  duration_ms: number
  reply: string | null
  error: { code: string; message: string } | null
}

export type ComfyUIState = 'stopped' | 'starting' | 'ready' | 'crashed' | 'failed'

export interface ComfyUIStatus {
  mode: ComfyUIMode
  state: ComfyUIState
  url: string | null
  pid: number | null
  version: string | null
  crashes: number
  restart_in_s: number | null
  /** What the state means, in the UI language. */
  message: string
}

export interface ComfyUILogLine {
  seq: number
  text: string
}

export interface ComfyUILogs {
  lines: ComfyUILogLine[]
  last: number
}

export interface StorageReport {
  data_dir: string
  config_dir: string
  runs_bytes: number
  models_bytes: number
  logs_bytes: number
  total_bytes: number
  free_bytes: number
}

/** `PUT /api/settings/offline`: going online needs the PIN once one is set. */
export interface OfflineChange {
  offline: boolean
  pin?: string
}

export interface KeyProvider {
  id: string
  name: Localized
  is_cloud: boolean | null
}

/** What the API says about a stored API key: never the key, only whether it is set and its end. */
export interface KeyStatus {
  name: string
  label: string
  providers: KeyProvider[]
  /** False for a key a provider can do without (an own server that may take one). */
  required: boolean
  is_set: boolean
  last4: string | null
}

export interface KeyList {
  keys: KeyStatus[]
}

/** What the UI may change without the teacher PIN. */
export interface SettingsPatch {
  language?: Language
  safety_llm_check?: 'when_unsure' | 'always'
  llm?: Partial<LlmStageSettings>
  first_run_done?: boolean
  /** Needed for the safety stage and safety_llm_check once a teacher PIN is set. */
  pin?: string
}

export type CategoryId = 'arts' | 'aesthetics' | 'semantics' | 'technical_imaging' | 'heritage' | 'freestyle'
export const CATEGORY_IDS: readonly CategoryId[] = [
  'arts',
  'aesthetics',
  'semantics',
  'technical_imaging',
  'heritage',
  'freestyle',
]

export type InterceptionKind = 'transform' | 'recursive' | 'passthrough'

export interface Interception {
  id: string
  name: Localized
  description: Localized
  /** The rules text; empty for "Your call", where the student writes the rules. */
  context: Localized
  kind: InterceptionKind
  icon: string
  color: string
  order: number
  min_age: number
}

export interface InterceptionCategory {
  id: CategoryId
  interceptions: Interception[]
}

export interface InterceptionCatalog {
  categories: InterceptionCategory[]
}

export interface UnavailableReason {
  code: string
  message: string
  /** The page that lets a teacher fix it, e.g. "settings" or "models". */
  fix_page: string | null
}

export interface OutputDefaults {
  seed?: number | 'random'
  steps?: number
  cfg?: number
  width?: number
  height?: number
  duration?: number
  frames?: number
  fps?: number
  negative_prompt?: string
}

export type OutputBackend = 'comfyui' | 'openai' | 'openrouter'
export type Player = 'image' | 'audio' | 'video'

export interface Output {
  id: string
  name: Localized
  description: Localized
  backend: OutputBackend
  media_type: string
  defaults: OutputDefaults
  models: string[]
  vram_gb: number
  min_age: number
  selftest: boolean
  available: boolean
  reasons: UnavailableReason[]
}

export interface MediaTypeGroup {
  id: string
  name: Localized
  player: Player
  outputs: Output[]
}

export interface OutputCatalog {
  media_types: MediaTypeGroup[]
}

export interface CatalogProblem {
  /** Relative to the app's folder, e.g. "configs/interception/dada.json". */
  file: string
  /** Dotted path of the field, or null when the whole file is unreadable. */
  field: string | null
  code: string
  message: string
}

export interface CatalogProblems {
  problems: CatalogProblem[]
}

// ---------------------------------------------------------------- jobs and the creative loop (docs/api.md)

/** `202` answer of every step that starts a job. */
export interface JobStarted {
  job_id: string
  run_id: string
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'blocked'
export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'blocked']

export interface JobSummary {
  id: string
  kind: string
  state: JobState
  run_id: string | null
  queue_position: number | null
}

export type PipelineStage =
  | 'safety_input'
  | 'interception'
  | 'optimization'
  | 'translation'
  | 'safety_pre_output'
  | 'generation'

export interface InterceptionRequest {
  config_id: string
  idea: string
  rules: string
  language: Language
}

export interface OptimizationRequest {
  run_id: string
  /** Exactly what the interception box shows. */
  text: string
  output_id: string
}

/** A number repeats a picture; "random" asks for a new one; absent uses the output's default. */
export type Seed = number | 'random'

export interface GenerationRequest {
  run_id: string
  /** Exactly what the optimized box shows. */
  text: string
  output_id: string
  seed?: Seed
}

export interface InterceptionResult {
  run_id: string
  text: string
}

export interface OptimizationResult {
  run_id: string
  text: string
  applied: boolean
}

export interface MediaItem {
  name: string
  /** `/api/runs/<run_id>/media/<name>` */
  url: string
  media_type: string
  mime_type: string
  size: number
  sha256: string
}

export interface GenerationResult {
  run_id: string
  generation_id: string
  seed: number | null
  media: MediaItem[]
}

/** The `data` of each server-sent job event, by event name. */
export interface JobEventData {
  state: { state: JobState; result?: unknown }
  queue: { position: number; waiting: number }
  /** How many prompts of others are ahead in ComfyUI's own queue (e.g. a shared school GPU server). */
  comfyui_queue: { ahead: number }
  stage: { stage: PipelineStage }
  safety: { stage: 'input' | 'pre_output'; decision: 'allowed' | 'blocked' }
  token: { stage: string; text: string; round?: number }
  round_start: { index: number; total?: number; language: string; language_name: Localized }
  round: { index: number; language: string; text: string }
  text: { stage: string; text: string; applied?: boolean }
  /** `message` is the child-friendly explanation in the reader's language. */
  blocked: { code: string; message: string; stage: string; category: string | null }
  /** `message` says what to do. */
  error: { code: string; message: string; params: Record<string, unknown> }
  progress: { value: number; max: number; node: string | null; fraction: number }
  executing: { node: string | null; class_type: string | null }
  /** A new preview image while sampling: `GET /api/jobs/<id>/preview?index=<index>` (only the newest is kept). */
  preview: { index: number; mime_type: string }
  media: MediaItem
  /** Model file work (import, download, verify, bundle): bytes done in the current phase of one file. */
  model_progress: ModelProgress
  /** An outcome a teacher should read (a file imported, refused, ...); `message` is in the reader's language. */
  notice: JobNotice
  /** A cloud output's request: connecting, sending, waiting (the provider works), receiving, saving. */
  cloud: { state: CloudState; provider: string }
}

export type CloudState = 'connecting' | 'sending' | 'waiting' | 'receiving' | 'saving'

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
]

/** One job event: its sequence number, name and data, as a union the compiler can narrow by `type`. */
export type JobEvent = { [K in JobEventName]: { id: number; type: K; data: JobEventData[K] } }[JobEventName]

// ---------------------------------------------------------------- the gallery (server/runs/gallery.py)

export type RunStatus = 'in_progress' | 'complete' | 'failed' | 'cancelled' | 'blocked' | 'incomplete'

export interface MediaFile {
  name: string
  media_type: string
  mime_type: string
  size: number
  sha256: string
}

/** One run in the gallery's list. */
export interface RunSummary {
  id: string
  created_at: string
  status: RunStatus
  language: Language
  safety_level: string
  /** The beginning of the idea. */
  idea: string
  attitude: string | null
  outputs: string[]
  media_types: string[]
  /** The newest result stands for the run. */
  cover: MediaFile | null
  generations: number
  media_count: number
  media_bytes: number
  /** The run's record cannot be read: only its id, date and files are known. */
  damaged: boolean
  /** A damaged run's files, as found in its folder. */
  files: string[]
}

export interface GalleryQuery {
  /** ISO 8601, inclusive. */
  since?: string
  /** ISO 8601, exclusive. */
  until?: string
  attitude?: string
  /** A media type id, or "none" for runs without a result. */
  medium?: string
  offset?: number
  limit?: number
}

export interface GalleryPage {
  runs: RunSummary[]
  total: number
  offset: number
  limit: number
}

export interface GalleryFacets {
  attitudes: Record<string, number>
  media: Record<string, number>
  total: number
  oldest: string | null
  newest: string | null
}

export interface ErrorRecord {
  code: string
  params: Record<string, unknown>
}

export interface TelephoneRoundRecord {
  language: string
  text: string
}

export interface InterceptionRecord {
  config_id: string
  kind: string
  input: string
  rules: string
  rules_edited: boolean
  output: string
  rounds: TelephoneRoundRecord[]
  finished: boolean
}

export interface OptimizationRecord {
  output_id: string
  input: string
  input_edited: boolean
  instruction: string | null
  applied: boolean
  output: string
  finished: boolean
}

export interface GenerationRecord {
  id: string
  output_id: string
  text: string
  translation: { source_text: string; english: string; applied: boolean } | null
  negative_prompt: string
  seed: number | null
  parameters: Record<string, unknown>
  backend: string
  status: RunStatus
  media: MediaFile[]
  started_at: string
  finished_at: string | null
  error: ErrorRecord | null
}

export interface SafetyVerdictRecord {
  stage: 'input' | 'pre_output'
  level: string
  decision: 'allowed' | 'blocked'
  category: string | null
  llm_checked: boolean
  explanation_code: string | null
  at: string
}

/** The run record (server/runs/models.py), as far as the transparency view shows it. */
export interface RunRecord {
  id: string
  created_at: string
  updated_at: string
  status: RunStatus
  language: Language
  safety_level: string
  idea: string
  interception: InterceptionRecord | null
  optimizations: OptimizationRecord[]
  generations: GenerationRecord[]
  safety: SafetyVerdictRecord[]
  error: ErrorRecord | null
}

export interface RunDetail {
  record: RunRecord
  /** Texts of the record's message codes (errors, safety explanations) in the UI language. */
  messages: Record<string, string>
}

export interface ExportRequest {
  run_ids?: string[]
  filter?: { since?: string; until?: string; attitude?: string; medium?: string }
}

export interface ExportStarted {
  job_id: string
}

export interface ExportResult {
  export_id: string
  download_url: string
  runs: number
  size: number
}

export function mediaUrl(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/media/${encodeURIComponent(name)}`
}

// ---------------------------------------------------------------- models page (GET /api/models, docs/api.md)

export type ModelPhase = 'scan' | 'hash' | 'link' | 'copy' | 'download' | 'verify'

export interface ModelProgress {
  phase: ModelPhase
  model_id: string | null
  file: string | null
  done: number
  total: number
  fraction: number
  /** The file being worked on, counted from 1, and how many there are. */
  index: number
  files: number
}

/** A file an import found and did not take, with why (the server's sentence, in the reader's language). */
export interface ImportSkip {
  file: string
  outcome: string
  code: string
  params: Record<string, unknown>
  message: string
}

export interface JobNotice {
  code: string
  level: NoticeLevel
  message: string
  params: Record<string, unknown>
  model_id: string | null
  file: string | null
}

export type ModelFileState = 'present' | 'missing' | 'wrong_size' | 'damaged'
export type ChecksumState = 'verified' | 'not_checked' | 'no_checksum' | 'mismatch'
export type FolderOrigin = 'managed' | 'comfyui' | 'found' | 'chosen'
export type FolderLayout = 'managed' | 'comfyui' | 'swarmui'

export interface ModelLicence {
  name: string
  url: string
}

export interface ModelFileInfo {
  id: string
  name: Localized
  /** The ComfyUI folder key (checkpoints, text_encoders, ...) or "llm". */
  folder: string
  filename: string
  size: number
  /** False: `size` is a rounded figure. */
  size_exact: boolean
  sha256_known: boolean
  downloadable: boolean
  licence: ModelLicence
  notes: Localized | null
  used_by: string[]
  state: ModelFileState
  checksum: ChecksumState | null
  path: string | null
  size_on_disk: number | null
  location_id: string | null
  origin: FolderOrigin | null
  /** Bytes of an unfinished download that the next download continues. */
  partial_download: number | null
  /** Whether the running ComfyUI offers the file in its loader lists; null when it cannot say. */
  comfyui_listed: boolean | null
  busy: boolean
}

export interface OutputModels {
  id: string
  name: Localized
  media_type: string
  files: string[]
  size: number
  ready: boolean
  reasons: UnavailableReason[]
}

export interface ModelFolderInfo {
  id: string
  path: string
  layout: FolderLayout
  origin: FolderOrigin
  enabled: boolean
  folder_keys: string[]
}

export interface ModelsOverview {
  models_dir: string
  free_bytes: number
  offline: boolean
  comfyui_mode: ComfyUIMode
  /** Model folders changed since ComfyUI started: it reads them only when it starts. */
  restart_needed: boolean
  outputs: OutputModels[]
  files: ModelFileInfo[]
  folders: ModelFolderInfo[]
  find_existing: boolean
  /** Model jobs that are still queued or running. */
  jobs: string[]
}

export interface ModelFolders {
  find_existing: boolean
  restart_needed: boolean
  folders: ModelFolderInfo[]
}

export interface ModelJobStarted {
  job_id: string
}

export type PlaceKind = 'removable' | 'home' | 'downloads' | 'desktop' | 'documents'

export interface Place {
  kind: PlaceKind
  path: string
  label: string
}

export interface FolderListing {
  path: string
  parent: string | null
  folders: string[]
  model_files: number
  bundle: boolean
  /** "comfyui" or "swarmui" when the folder can be used where it is. */
  layout: FolderLayout | null
  truncated: boolean
}
