// generated, do not edit: `make api-types` writes this file from the pydantic models listed in
// server/api/contract.py (tools/api_types.py, json-schema-to-typescript).

/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionCategory".
 */
export type InterceptionCategory =
  'arts' | 'aesthetics' | 'semantics' | 'technical_imaging' | 'heritage' | 'freestyle'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionKind".
 */
export type InterceptionKind = 'transform' | 'recursive' | 'passthrough'
/**
 * Where the Telephone game's chain ends.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "EndLanguage".
 */
export type EndLanguage = 'student' | 'en'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ResultKind".
 */
export type ResultKind = 'media' | 'text'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeOrigin".
 */
export type AttitudeOrigin = 'shipped' | 'school' | 'teacher'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ChecksumState".
 */
export type ChecksumState = 'verified' | 'not_checked' | 'no_checksum' | 'mismatch'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SafetyLevel".
 */
export type SafetyLevel = 'kids' | 'youth' | 'adult' | 'research'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIMode".
 */
export type ComfyUIMode = 'managed' | 'external' | 'none'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MachineState".
 */
export type MachineState = 'ready' | 'busy' | 'unreachable' | 'failed' | 'starting' | 'disabled'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIState".
 */
export type ComfyUIState = 'stopped' | 'starting' | 'ready' | 'crashed' | 'failed'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GpuKind".
 */
export type GpuKind = 'nvidia' | 'amd' | 'apple' | 'none'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FileState".
 */
export type FileState = 'present' | 'missing' | 'wrong_size' | 'damaged'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FolderLayout".
 */
export type FolderLayout = 'managed' | 'comfyui' | 'swarmui'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FolderOrigin".
 */
export type FolderOrigin = 'managed' | 'comfyui' | 'found' | 'chosen'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunStatus".
 */
export type RunStatus = 'in_progress' | 'complete' | 'failed' | 'cancelled' | 'blocked' | 'incomplete'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TorchBuild".
 */
export type TorchBuild = 'cuda' | 'rocm' | 'mps' | 'cpu'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "NoticeLevel".
 */
export type NoticeLevel = 'info' | 'warning'
/**
 * Where an output runs. A cloud backend's value is its provider id in configs/llm_providers.json.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputBackend".
 */
export type OutputBackend = 'comfyui' | 'openai' | 'openrouter'
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Phase".
 */
export type Phase = 'scan' | 'hash' | 'link' | 'copy' | 'download' | 'verify'

export interface ApiContract {}
/**
 * Every 4xx/5xx of the API: a code for the program and a sentence for the person.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ApiErrorBody".
 */
export interface ApiErrorBody {
  error: ErrorDetail
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ErrorDetail".
 */
export interface ErrorDetail {
  code: string
  message: string
}
/**
 * An exported ``.json`` file: one attitude or a set, exactly as they are saved.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeBundle-Input".
 */
export interface AttitudeBundleInput {
  format?: 'ai4artsed-attitudes'
  version?: 1
  /**
   * @minItems 1
   * @maxItems 200
   */
  attitudes: [AttitudeEntryInput, ...AttitudeEntryInput[]]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeEntry-Input".
 */
export interface AttitudeEntryInput {
  id: string
  attitude: InterceptionConfigInput
}
/**
 * An artistic attitude. Its id is the file stem.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionConfig-Input".
 */
export interface InterceptionConfigInput {
  name: LocalizedText
  description: LocalizedText
  category: InterceptionCategory
  kind?: InterceptionKind
  context: LocalizedOptionalText
  icon: string
  color: string
  order: number
  audience: Audience
  parameters?: LlmParametersInput
  task_chunk?: string
  recursion?: RecursionInput | null
  result?: ResultKind
}
/**
 * A text the user sees, in both UI languages.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LocalizedText".
 */
export interface LocalizedText {
  de: string
  en: string
}
/**
 * A text that may be empty (the rules box of "Your call" starts empty).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LocalizedOptionalText".
 */
export interface LocalizedOptionalText {
  de: string
  en: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Audience".
 */
export interface Audience {
  min_age: number
}
/**
 * Sampling parameters that reach the LLM provider unchanged.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmParameters-Input".
 */
export interface LlmParametersInput {
  temperature?: number | null
  top_p?: number | null
  max_tokens?: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Recursion-Input".
 */
export interface RecursionInput {
  rounds?: number
  /**
   * @minItems 2
   */
  languages: [string, string, ...string[]]
  end_language?: EndLanguage
}
/**
 * An exported ``.json`` file: one attitude or a set, exactly as they are saved.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeBundle-Output".
 */
export interface AttitudeBundle {
  format: 'ai4artsed-attitudes'
  version: 1
  /**
   * @minItems 1
   * @maxItems 200
   */
  attitudes: [AttitudeEntry, ...AttitudeEntry[]]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeEntry-Output".
 */
export interface AttitudeEntry {
  id: string
  attitude: InterceptionConfig
}
/**
 * An artistic attitude. Its id is the file stem.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionConfig-Output".
 */
export interface InterceptionConfig {
  name: LocalizedText
  description: LocalizedText
  category: InterceptionCategory
  kind: InterceptionKind
  context: LocalizedOptionalText
  icon: string
  color: string
  order: number
  audience: Audience
  parameters: LlmParameters
  task_chunk: string
  recursion: Recursion | null
  result: ResultKind
}
/**
 * Sampling parameters that reach the LLM provider unchanged.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmParameters-Output".
 */
export interface LlmParameters {
  temperature: number | null
  top_p: number | null
  max_tokens: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Recursion-Output".
 */
export interface Recursion {
  rounds: number
  /**
   * @minItems 2
   */
  languages: [string, string, ...string[]]
  end_language: EndLanguage
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeDetail".
 */
export interface AttitudeDetail {
  id: string
  origin: AttitudeOrigin
  editable: boolean
  attitude: InterceptionConfig
}
/**
 * An attitude as the editor fills it in: name and description need only one language.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeDraft".
 */
export interface AttitudeDraft {
  name: LocalizedOptionalText
  description: LocalizedOptionalText
  category: InterceptionCategory
  kind?: InterceptionKind
  context: LocalizedOptionalText
  icon: string
  color: string
  min_age: number
  parameters?: LlmParametersInput
  recursion?: RecursionInput | null
  result?: ResultKind
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeExportQuery".
 */
export interface AttitudeExportQuery {
  ids: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeImport".
 */
export interface AttitudeImport {
  bundle: AttitudeBundleInput
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeList".
 */
export interface AttitudeList {
  attitudes: AttitudeDetail[]
}
/**
 * Duplicate and delete: only the teacher PIN (none needed before one is set).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudePin".
 */
export interface AttitudePin {
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "AttitudeSave".
 */
export interface AttitudeSave {
  attitude: AttitudeDraft
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "BlockView".
 */
export interface BlockView {
  run_id: string
  student_id: string
  nickname: string
  idea: string
  category: string | null
  at: string
}
/**
 * ``message``: the child-friendly explanation in the reader's language (added by the API).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "BlockedEvent".
 */
export interface BlockedEvent {
  code: string
  params: {
    [k: string]: unknown
  }
  stage: string
  category: string | null
  message: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "BrowseQuery".
 */
export interface BrowseQuery {
  path: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "BuiltinModelInUse".
 */
export interface BuiltinModelInUse {
  model: string
  stages: string[]
  present: boolean
  test_grade: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "CatalogProblemView".
 */
export interface CatalogProblemView {
  file: string
  field: string | null
  code: string
  message: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "CatalogProblemsView".
 */
export interface CatalogProblemsView {
  problems: CatalogProblemView[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassCloseRequest".
 */
export interface ClassCloseRequest {
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassClosed".
 */
export interface ClassClosed {
  closed: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassDashboard".
 */
export interface ClassDashboard {
  students: StudentView[]
  queue: QueueEntryView[]
  blocks: BlockView[]
  paused: boolean
  teacher_first: boolean
  projected_run_id: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "StudentView".
 */
export interface StudentView {
  id: string
  nickname: string
  connected: boolean
  step: 'joined' | 'writing' | 'transforming' | 'waiting' | 'generating' | 'done' | 'blocked'
  latest_idea: string | null
  latest_run_id: string | null
  latest_media_url: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "QueueEntryView".
 */
export interface QueueEntryView {
  job_id: string
  kind: string
  student_id: string | null
  nickname: string | null
  state: 'queued' | 'running'
  position: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassOpenRequest".
 */
export interface ClassOpenRequest {
  pin?: string | null
  address: string
  port: number
  /**
   * @maxItems 200
   */
  attitude_ids: string[]
  /**
   * @maxItems 200
   */
  output_ids: string[]
  safety_level: SafetyLevel
  per_student_limit: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassView".
 */
export interface ClassView {
  id: string
  code: string
  join_url: string
  qr_svg: string
  opened_at: string
  address: string
  port: number
  attitude_ids: string[]
  output_ids: string[]
  safety_level: SafetyLevel
  per_student_limit: number
  paused: boolean
  teacher_first: boolean
  projected_run_id: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassroomDefaults".
 */
export interface ClassroomDefaults {
  address: string | null
  port: number
  per_student_limit: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassroomPolicyView".
 */
export interface ClassroomPolicyView {
  allowed: boolean
  fixed: string[]
}
/**
 * Classroom mode's remembered choices (docs/classroom.md); the class itself is never stored.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassroomSettings".
 */
export interface ClassroomSettings {
  address: string | null
  port: number
  per_student_limit: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ClassroomStatus".
 */
export interface ClassroomStatus {
  policy: ClassroomPolicyView
  addresses: LanAddress[]
  defaults: ClassroomDefaults
  open_class: ClassView | null
  projector_window: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LanAddress".
 */
export interface LanAddress {
  address: string
  interface: string
}
/**
 * A cloud output's request: connecting, sending, waiting (the provider works), receiving, saving.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "CloudEvent".
 */
export interface CloudEvent {
  state: 'connecting' | 'sending' | 'waiting' | 'receiving' | 'saving'
  provider: string
}
/**
 * `PUT /api/settings/comfyui`: how the app reaches ComfyUI (device flags stay as they are).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIChange".
 */
export interface ComfyUIChange {
  mode: ComfyUIMode
  directory?: string | null
  python?: string | null
  url?: string | null
  machines?: PoolMachineChange[] | null
}
/**
 * One machine in `PUT /api/settings/comfyui`; ``header_value`` None keeps a stored header.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PoolMachineChange".
 */
export interface PoolMachineChange {
  url: string
  name?: string | null
  enabled?: boolean
  header_name?: string | null
  header_value?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIChangeAnswer".
 */
export interface ComfyUIChangeAnswer {
  schema_version: 5
  language: 'de' | 'en'
  safety_level: SafetyLevel
  safety_llm_check: 'when_unsure' | 'always'
  offline: boolean
  comfyui: ComfyUISettings
  comfyui_sources: ComfyUISources
  llm: LlmStageSettings
  model_folders: ModelFolderSettings
  teacher_pin_set: boolean
  first_run_done: boolean
  classroom: ClassroomSettings
  teacher_pin_locked: boolean
  policy: SettingsPolicyView
  restart_needed: boolean
  command_line_override: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUISettings".
 */
export interface ComfyUISettings {
  mode: ComfyUIMode
  directory: string | null
  python: string | null
  url: string | null
  device_flags: string[] | null
  machines: PoolMachineSettings[]
}
/**
 * One more ComfyUI of the pool. Its HTTP header (a reverse proxy's login) lives in secrets.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PoolMachineSettings".
 */
export interface PoolMachineSettings {
  url: string
  name: string | null
  enabled: boolean
  header_name: string | null
}
/**
 * Where "Install ComfyUI for me" takes packages from instead of the release pin's indexes.
 *
 * A school's package mirror (PEP 503 simple index) or a wheel folder, remembered for the next
 * update once someone entered it.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUISources".
 */
export interface ComfyUISources {
  package_index: string | null
  wheel_folder: string | null
}
/**
 * Which provider and model serves each LLM stage: one setting each, in one place.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmStageSettings".
 */
export interface LlmStageSettings {
  safety: ProviderChoice
  interception: ProviderChoice
  optimization: ProviderChoice
  translation: ProviderChoice
}
/**
 * The setting for one pipeline stage: which provider, which model, optionally which address.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ProviderChoice-Output".
 */
export interface ProviderChoice {
  provider_id: string
  model: string
  base_url: string | null
}
/**
 * Model folders of other tools that ComfyUI reads in place (nothing is copied).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelFolderSettings".
 */
export interface ModelFolderSettings {
  chosen: string[]
  find_existing: boolean
  ignored: string[]
}
/**
 * The machine's lab policy: ``locked`` names top-level settings fields the page shows read-only;
 * ``hide_settings`` leaves only the language.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SettingsPolicyView".
 */
export interface SettingsPolicyView {
  locked: string[]
  hide_settings: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUILogs".
 */
export interface ComfyUILogs {
  lines: LogLine[]
  last: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LogLine".
 */
export interface LogLine {
  seq: number
  text: string
}
/**
 * One machine of the ComfyUI pool; ``message`` says its reason in plain words (no header, ever).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIMachineView".
 */
export interface ComfyUIMachineView {
  status: MachineStatus
  message: string | null
}
/**
 * One machine as the settings page, the Models page and the diagnostics file see it.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MachineStatus".
 */
export interface MachineStatus {
  id: string
  name: string
  url: string | null
  state: MachineState
  reason: string | null
  in_flight: number
  queue_remaining: number
  device: string | null
  vram_total: number | null
  vram_free: number | null
  model_files: string[]
  seconds_per_job: number | null
  has_header: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIPoolView".
 */
export interface ComfyUIPoolView {
  machines: ComfyUIMachineView[]
  slots: number
}
/**
 * How many prompts of others are ahead in ComfyUI's own queue (e.g. a shared school GPU server).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIQueueEvent".
 */
export interface ComfyUIQueueEvent {
  ahead: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ComfyUIStatusView".
 */
export interface ComfyUIStatusView {
  mode: ComfyUIMode
  state: ComfyUIState
  url: string | null
  reason: Reason | null
  pid: number | null
  version: string | null
  crashes: number
  restart_in_s: number | null
  message: string
}
/**
 * Why ComfyUI is not ready: a message code with its facts (paths already redacted).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Reason".
 */
export interface Reason {
  code: string
  params: {
    [k: string]: string
  }
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Deleted".
 */
export interface Deleted {
  deleted: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "DetectedGpu".
 */
export interface DetectedGpu {
  kind: GpuKind
  name: string | null
  driver_version: string | null
  memory_mb: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "DownloadRequest".
 */
export interface DownloadRequest {
  /**
   * @minItems 1
   * @maxItems 100
   */
  model_ids: [string, ...string[]]
  licence_accepted?: boolean
}
/**
 * ``message`` says what to do (added by the API).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ErrorEvent".
 */
export interface ErrorEvent {
  code: string
  params: {
    [k: string]: unknown
  }
  message: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ErrorRecord".
 */
export interface ErrorRecord {
  code: string
  params: {
    [k: string]: unknown
  }
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ExecutingEvent".
 */
export interface ExecutingEvent {
  node: string | null
  class_type: string | null
}
/**
 * Either the chosen runs, or every run the filter selects (e.g. a date range).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ExportRequest".
 */
export interface ExportRequest {
  run_ids?: string[] | null
  filter?: RunFilter | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunFilter".
 */
export interface RunFilter {
  since?: string | null
  until?: string | null
  attitude?: string | null
  medium?: string | null
  self_test?: boolean
  class_id?: string | null
  student_id?: string | null
  hidden_from_class?: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ExportResult".
 */
export interface ExportResult {
  export_id: string
  download_url: string
  runs: number
  size: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FindExisting".
 */
export interface FindExisting {
  find_existing: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FindExistingRequest".
 */
export interface FindExistingRequest {
  find_existing: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FolderAddRequest".
 */
export interface FolderAddRequest {
  path: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FolderChangeRequest".
 */
export interface FolderChangeRequest {
  enabled: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "FolderListing".
 */
export interface FolderListing {
  path: string
  parent: string | null
  folders: string[]
  model_files: number
  bundle: boolean
  layout: string | null
  truncated: boolean
  comfyui_installation: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GalleryFacets".
 */
export interface GalleryFacets {
  attitudes: {
    [k: string]: number
  }
  media: {
    [k: string]: number
  }
  total: number
  oldest: string | null
  newest: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GalleryPage".
 */
export interface GalleryPage {
  runs: RunSummary[]
  total: number
  offset: number
  limit: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunSummary".
 */
export interface RunSummary {
  id: string
  created_at: string
  status: RunStatus
  language: string
  safety_level: string
  idea: string
  attitude: string | null
  attitude_name: {
    [k: string]: string
  } | null
  outputs: string[]
  media_types: string[]
  cover: MediaFileRecord | null
  generations: number
  media_count: number
  media_bytes: number
  damaged: boolean
  files: string[]
  withheld: number
  text_result: string | null
  self_test: boolean
  owner: RunOwner | null
  hidden_from_class: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MediaFileRecord".
 */
export interface MediaFileRecord {
  name: string
  media_type: string
  mime_type: string
  size: number
  sha256: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunOwner".
 */
export interface RunOwner {
  class_id: string
  student_id: string
  nickname: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GalleryQuery".
 */
export interface GalleryQuery {
  since?: string | null
  until?: string | null
  attitude?: string | null
  medium?: string | null
  offset?: number
  limit?: number
  self_test?: boolean
  class_id?: string | null
  student_id?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GenerationRecord".
 */
export interface GenerationRecord {
  id: string
  output_id: string
  text: string
  translation: TranslationRecord | null
  negative_prompt: string
  seed: number | null
  parameters: {
    [k: string]: unknown
  }
  backend: string
  request: {
    [k: string]: unknown
  } | null
  prompt_id: string | null
  machine: string | null
  status: RunStatus
  media: MediaFileRecord[]
  media_checks: MediaCheckRecord[]
  started_at: string
  finished_at: string | null
  error: ErrorRecord | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TranslationRecord".
 */
export interface TranslationRecord {
  source_text: string
  english: string
  applied: boolean
  llm_call: LlmCallRecord | null
}
/**
 * One request to an LLM provider: what was sent (structured) and what came back.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmCallRecord".
 */
export interface LlmCallRecord {
  provider: string
  model: string
  parameters: {
    [k: string]: number
  }
  task: string
  context: string
  input: string
  messages: PromptMessage[]
  output: string
  started_at: string
  duration_ms: number | null
  error: ErrorRecord | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PromptMessage".
 */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}
/**
 * The image check's verdict on one generated file (images, and a few frames of a video).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MediaCheckRecord".
 */
export interface MediaCheckRecord {
  name: string
  media_type: string
  decision: 'shown' | 'withheld'
  findings: {
    [k: string]: number
  }
  frames: number
  duration_ms: number
  check_failure: string | null
  at: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GenerationRequest".
 */
export interface GenerationRequest {
  run_id: string
  text: string
  output_id: string
  seed?: number | 'random' | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GenerationResult".
 */
export interface GenerationResult {
  run_id: string
  generation_id: string
  seed: number | null
  media: MediaItem[]
}
/**
 * A generated file of a run; ``url`` is ``/api/runs/<run_id>/media/<name>``.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MediaItem".
 */
export interface MediaItem {
  name: string
  url: string
  media_type: string
  mime_type: string
  size: number
  sha256: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "GenerationStarted".
 */
export interface GenerationStarted {
  job_id: string
  run_id: string
  generation_id: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Health".
 */
export interface Health {
  status: 'ok'
  version: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "HiddenChange".
 */
export interface HiddenChange {
  hidden: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ImportRequest".
 */
export interface ImportRequest {
  folder: string
}
/**
 * A file an import found and did not take, with why (``message``: added by the API).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ImportSkip".
 */
export interface ImportSkip {
  file: string
  outcome: string
  code: string
  params: {
    [k: string]: unknown
  }
  message: string
}
/**
 * Rollback and removal: the teacher PIN once one is set (the body may be left out without one).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallActionRequest".
 */
export interface InstallActionRequest {
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallPlan".
 */
export interface InstallPlan {
  version: string
  gpu: DetectedGpu
  torch_build: TorchBuild
  gpu_unusable: boolean
  archive_url: string | null
  archive_file: string | null
  archive_sha256: string | null
  archive_git_tree: string | null
  python: string
  python_source: 'found' | 'bundle'
  python_runtime_file: string | null
  python_runtime_sha256: string | null
  torch_index_url: string | null
  torch_packages: string[]
  package_index: string | null
  wheel_folder: string | null
  constraints: string[]
  extra_requirements: string[]
  offline: boolean
  needs_network: boolean
  install_root: string
  download_bytes: number
  torch_bytes: number
  requirements_bytes: number
  space_needed_bytes: number
  space_free_bytes: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallPointer".
 */
export interface InstallPointer {
  current: string | null
  previous: string | null
}
/**
 * Bytes of the download so far and its speed; in the uv phases ``done`` is what is installed in
 * the new environment against the pin's estimate, with uv's own summary at the end.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallProgressEvent".
 */
export interface InstallProgressEvent {
  phase:
    'download' | 'unpack' | 'python' | 'pytorch' | 'requirements' | 'first_start' | 'self_test' | 'models'
  done: number
  total: number | null
  bytes_per_s: number
  installed_bytes: number | null
  cached_bytes: number | null
  expected_bytes: number | null
  elapsed_s: number | null
  finished: boolean | null
  prepared_packages: number | null
  prepared_s: number | null
  installed_packages: number | null
  installed_s: number | null
  downloaded_packages: number | null
  downloaded_s: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallRequest".
 */
export interface InstallRequest {
  choices?: PlanChoices
  leave_offline?: boolean
  pin?: string | null
}
/**
 * What the teacher or IT chose beyond the defaults (all optional).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PlanChoices".
 */
export interface PlanChoices {
  archive_file?: string | null
  archive_sha256?: string | null
  package_index?: string | null
  wheel_folder?: string | null
  python?: string | null
  bundle_folder?: string | null
  cpu_only?: boolean
}
/**
 * What the settings page and the wizard show about the app's own ComfyUI.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InstallStatus".
 */
export interface InstallStatus {
  release_version: string
  current: string | null
  current_version: string | null
  previous: string | null
  update_available: boolean
  active_job_id: string | null
  install_root: string
  in_use: boolean
  allowed: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionCatalogView".
 */
export interface InterceptionCatalogView {
  categories: InterceptionCategoryView[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionCategoryView".
 */
export interface InterceptionCategoryView {
  id: InterceptionCategory
  interceptions: InterceptionView[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionView".
 */
export interface InterceptionView {
  id: string
  name: LocalizedText
  description: LocalizedText
  context: LocalizedOptionalText
  kind: InterceptionKind
  icon: string
  color: string
  order: number
  min_age: number
  origin: AttitudeOrigin
  result: ResultKind
  recursion: Recursion | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionRecord".
 */
export interface InterceptionRecord {
  config_id: string
  name: {
    [k: string]: string
  } | null
  kind: string
  result: 'media' | 'text'
  input: string
  rules: string
  rules_edited: boolean
  output: string
  rounds: TelephoneRoundRecord[]
  llm_calls: LlmCallRecord[]
  finished: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TelephoneRoundRecord".
 */
export interface TelephoneRoundRecord {
  language: string
  text: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionRequest".
 */
export interface InterceptionRequest {
  config_id: string
  idea: string
  rules?: string | null
  language: 'de' | 'en'
  telephone?: RecursionInput | null
  pin?: string | null
  self_test?: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "InterceptionResult".
 */
export interface InterceptionResult {
  run_id: string
  text: string
}
/**
 * ``202`` answer of a step that starts a job not tied to a run (model files, exports).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "JobAccepted".
 */
export interface JobAccepted {
  job_id: string
}
/**
 * An outcome a teacher should read (a file imported, refused, ...); ``message`` added by the API.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "JobNotice".
 */
export interface JobNotice {
  code: string
  level: NoticeLevel
  params: {
    [k: string]: unknown
  }
  model_id: string | null
  file: string | null
  message: string
}
/**
 * ``202`` answer of every workshop step that starts a job.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "JobStarted".
 */
export interface JobStarted {
  job_id: string
  run_id: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "JobSummary".
 */
export interface JobSummary {
  id: string
  kind: string
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'blocked'
  run_id: string | null
  queue_position: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "JoinRequest".
 */
export interface JoinRequest {
  code: string
  nickname: string
}
/**
 * Body of ``PUT /api/keys/<name>``; a SecretStr, so no validation message or repr shows the key.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "KeyChange".
 */
export interface KeyChange {
  key: string
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "KeyList".
 */
export interface KeyList {
  keys: KeyStatus[]
}
/**
 * What the API says about a key: whether it is set and its last four characters, nothing more.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "KeyStatus".
 */
export interface KeyStatus {
  name: string
  label: string
  providers: KeyProvider[]
  required: boolean
  is_set: boolean
  last4: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "KeyProvider".
 */
export interface KeyProvider {
  id: string
  name: LocalizedText
  is_cloud: boolean | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "KeyRemoval".
 */
export interface KeyRemoval {
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmModels".
 */
export interface LlmModels {
  models: ModelInfo[]
}
/**
 * One entry of ``GET /models``.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelInfo".
 */
export interface ModelInfo {
  id: string
  owned_by: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmProviderView".
 */
export interface LlmProviderView {
  id: string
  kind: string
  name: LocalizedText
  base_url: string | null
  needs_key: boolean
  key_set: boolean
  is_cloud: boolean | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmProviders".
 */
export interface LlmProviders {
  providers: LlmProviderView[]
  test_grade_stages: ('safety' | 'interception' | 'optimization' | 'translation')[]
  safety_checker_capable: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmStagePatch".
 */
export interface LlmStagePatch {
  safety?: ProviderChoiceInput | null
  interception?: ProviderChoiceInput | null
  optimization?: ProviderChoiceInput | null
  translation?: ProviderChoiceInput | null
}
/**
 * The setting for one pipeline stage: which provider, which model, optionally which address.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ProviderChoice-Input".
 */
export interface ProviderChoiceInput {
  provider_id: string
  model: string
  base_url?: string | null
}
/**
 * `POST /api/llm/test`: a stage (its saved provider and model) or a choice not saved yet.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmTestRequest".
 */
export interface LlmTestRequest {
  stage?: ('safety' | 'interception' | 'optimization' | 'translation') | null
  choice?: ProviderChoiceInput | null
}
/**
 * ``POST /api/llm/test``: a failure is an answer with ``ok: false`` and a plain message.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "LlmTestResult".
 */
export interface LlmTestResult {
  ok: boolean
  stage: ('safety' | 'interception' | 'optimization' | 'translation') | null
  provider_id: string
  model: string
  duration_ms: number
  reply: string | null
  error: ErrorDetail | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "MediaTypeGroupView".
 */
export interface MediaTypeGroupView {
  id: string
  name: LocalizedText
  player: 'image' | 'audio' | 'video'
  outputs: OutputView[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputView".
 */
export interface OutputView {
  id: string
  name: LocalizedText
  description: LocalizedText
  backend: OutputBackend
  media_type: string
  defaults: OutputDefaults
  models: string[]
  vram_gb: number
  min_age: number
  selftest: boolean
  available: boolean
  reasons: UnavailableReasonView[]
  machines: OutputMachinesView | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputDefaults".
 */
export interface OutputDefaults {
  seed: number | 'random'
  steps: number | null
  cfg: number | null
  width: number | null
  height: number | null
  /**
   * seconds
   */
  duration: number | null
  frames: number | null
  fps: number | null
  negative_prompt: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "UnavailableReasonView".
 */
export interface UnavailableReasonView {
  code: string
  message: string
  fix_page: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputMachinesView".
 */
export interface OutputMachinesView {
  ready: number
  total: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelFileInfo".
 */
export interface ModelFileInfo {
  id: string
  name: LocalizedText
  folder: string
  filename: string
  size: number
  size_exact: boolean
  sha256_known: boolean
  downloadable: boolean
  licence: ModelLicence
  notes: LocalizedText | null
  used_by: string[]
  state: FileState
  checksum: ChecksumState | null
  path: string | null
  size_on_disk: number | null
  location_id: string | null
  origin: FolderOrigin | null
  partial_download: number | null
  comfyui_listed: boolean | null
  busy: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelLicence".
 */
export interface ModelLicence {
  name: string
  url: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelFolderView".
 */
export interface ModelFolderView {
  id: string
  path: string
  layout: FolderLayout
  origin: FolderOrigin
  enabled: boolean
  folder_keys: string[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelFoldersView".
 */
export interface ModelFoldersView {
  find_existing: boolean
  restart_needed: boolean
  folders: ModelFolderView[]
}
/**
 * The data of a ``model_progress`` event: bytes done in the current phase of one file.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelProgress".
 */
export interface ModelProgress {
  phase: Phase
  model_id: string | null
  file: string | null
  done: number
  total: number
  fraction: number
  index: number
  files: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ModelsOverviewView".
 */
export interface ModelsOverviewView {
  models_dir: string
  free_bytes: number
  offline: boolean
  comfyui_mode: ComfyUIMode
  restart_needed: boolean
  outputs: OutputModels[]
  files: ModelFileInfo[]
  folders: ModelFolderView[]
  find_existing: boolean
  jobs: string[]
  engine_models: BuiltinModelInUse[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputModels".
 */
export interface OutputModels {
  id: string
  name: LocalizedText
  media_type: string
  files: string[]
  size: number
  ready: boolean
  reasons: UnavailableReasonView[]
  machines: OutputMachinesView | null
}
/**
 * POST /api/system/notices/dismiss.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "NoticeDismissal".
 */
export interface NoticeDismissal {
  code: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "NoticeView".
 */
export interface NoticeView {
  code: string
  level: NoticeLevel
  message: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OfflineChange".
 */
export interface OfflineChange {
  offline: boolean
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OptimizationRecord".
 */
export interface OptimizationRecord {
  output_id: string
  input: string
  input_edited: boolean
  instruction: string | null
  applied: boolean
  output: string
  llm_call: LlmCallRecord | null
  finished: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OptimizationRequest".
 */
export interface OptimizationRequest {
  run_id: string
  text: string
  output_id: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OptimizationResult".
 */
export interface OptimizationResult {
  run_id: string
  text: string
  applied: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "OutputCatalogView".
 */
export interface OutputCatalogView {
  media_types: MediaTypeGroupView[]
}
/**
 * Installing ComfyUI (or writing its offline bundle): a new phase began.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PhaseEvent".
 */
export interface PhaseEvent {
  phase:
    'download' | 'unpack' | 'python' | 'pytorch' | 'requirements' | 'first_start' | 'self_test' | 'models'
  index: number
  of: number
  python: string | null
  build: string | null
  packages: string[] | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PinChange".
 */
export interface PinChange {
  current_pin?: string | null
  new_pin: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Place".
 */
export interface Place {
  kind: 'removable' | 'home' | 'downloads' | 'desktop' | 'documents'
  path: string
  label: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Places".
 */
export interface Places {
  places: Place[]
}
/**
 * A new preview image while sampling: ``GET /api/jobs/<id>/preview?index=<index>``.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PreviewEvent".
 */
export interface PreviewEvent {
  index: number
  mime_type: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ProgressEvent".
 */
export interface ProgressEvent {
  value: number
  max: number
  node: string | null
  fraction: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ProjectionChange".
 */
export interface ProjectionChange {
  run_id: string | null
}
/**
 * False: the app has no window of its own (headless, or the UI in a browser): open a tab.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "ProjectorWindowOpened".
 */
export interface ProjectorWindowOpened {
  opened: boolean
}
/**
 * What the UI may see of the settings (the PIN's hash is not even in here).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "PublicSettings".
 */
export interface PublicSettings {
  schema_version: 5
  language: 'de' | 'en'
  safety_level: SafetyLevel
  safety_llm_check: 'when_unsure' | 'always'
  offline: boolean
  comfyui: ComfyUISettings
  comfyui_sources: ComfyUISources
  llm: LlmStageSettings
  model_folders: ModelFolderSettings
  teacher_pin_set: boolean
  first_run_done: boolean
  classroom: ClassroomSettings
  teacher_pin_locked: boolean
  policy: SettingsPolicyView
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "QueueChange".
 */
export interface QueueChange {
  paused?: boolean | null
  teacher_first?: boolean | null
}
/**
 * The job's place in its lane's fair order (round-robin by owner), sent again whenever it changes.
 *
 * ``position`` 1 starts next; ``ahead`` = position - 1 jobs start before it; ``waiting``: all
 * waiting jobs of the lane. ``estimate_s``: seconds until it starts, from the lane's recent run
 * times (mean x ahead / slots), null until 3 jobs have finished in the lane or while ``paused``
 * (the teacher paused the queue: nothing new starts).
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "QueueEvent".
 */
export interface QueueEvent {
  position: number
  waiting: number
  ahead: number
  paused: boolean
  estimate_s: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "Removed".
 */
export interface Removed {
  removed: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RoundEvent".
 */
export interface RoundEvent {
  index: number
  language: string
  text: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RoundStartEvent".
 */
export interface RoundStartEvent {
  index: number
  total: number
  language: string
  language_name: LocalizedText
}
/**
 * The record plus the texts of its message codes in the reader's language.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunDetail".
 */
export interface RunDetail {
  record: RunRecord
  messages: {
    [k: string]: string
  }
  running: RunningJob[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunRecord".
 */
export interface RunRecord {
  schema_version: 1
  id: string
  created_at: string
  updated_at: string
  status: RunStatus
  language: 'de' | 'en'
  safety_level: string
  idea: string
  self_test: boolean
  owner: RunOwner | null
  hidden_from_class: boolean
  interception: InterceptionRecord | null
  optimizations: OptimizationRecord[]
  generations: GenerationRecord[]
  safety: SafetyVerdictRecord[]
  teacher_overrides: TeacherOverrideRecord[]
  error: ErrorRecord | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SafetyVerdictRecord".
 */
export interface SafetyVerdictRecord {
  stage: 'input' | 'interception_output' | 'pre_output'
  level: string
  decision: 'allowed' | 'blocked'
  category: string | null
  term_hits: TermHitRecord[]
  llm_checked: boolean
  llm_reason: string | null
  llm_call: LlmCallRecord | null
  check_failure: string | null
  explanation_code: string | null
  checker: string | null
  guard_categories: string[]
  overridden_terms: string[]
  at: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TermHitRecord".
 */
export interface TermHitRecord {
  term: string
  list_id: string
  category: string
}
/**
 * The teacher let a "needs review" block through for this run, with the PIN.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TeacherOverrideRecord".
 */
export interface TeacherOverrideRecord {
  who: 'teacher PIN'
  at: string
  stage: string
  terms: string[]
}
/**
 * A step of the run still queued or running: a workshop opened on the run follows it.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "RunningJob".
 */
export interface RunningJob {
  job_id: string
  kind: string
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SafetyEvent".
 */
export interface SafetyEvent {
  stage: 'input' | 'interception_output' | 'pre_output'
  decision: 'allowed' | 'blocked'
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SafetyLevelChange".
 */
export interface SafetyLevelChange {
  level: SafetyLevel
  pin?: string | null
}
/**
 * The new install painted its self-test picture.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SelfTestPictureEvent".
 */
export interface SelfTestPictureEvent {
  bytes: number
}
/**
 * The general settings call (the safety level has its own). A change of ``safety_llm_check`` or
 * of the safety stage's model needs the teacher PIN once one is set.
 *
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SettingsPatch".
 */
export interface SettingsPatch {
  language?: ('de' | 'en') | null
  safety_llm_check?: ('when_unsure' | 'always') | null
  llm?: LlmStagePatch | null
  first_run_done?: boolean | null
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "StageEvent".
 */
export interface StageEvent {
  stage:
    | 'safety_input'
    | 'interception'
    | 'safety_interception_output'
    | 'optimization'
    | 'translation'
    | 'safety_pre_output'
    | 'generation'
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "StateEvent".
 */
export interface StateEvent {
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'blocked'
  result: {
    [k: string]: unknown
  } | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "StorageReport".
 */
export interface StorageReport {
  data_dir: string
  config_dir: string
  runs_bytes: number
  models_bytes: number
  logs_bytes: number
  total_bytes: number
  free_bytes: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "StudentMe".
 */
export interface StudentMe {
  student_id: string
  nickname: string
  class_id: string
  safety_level: SafetyLevel
  attitude_ids: string[]
  output_ids: string[]
  per_student_limit: number
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "SystemInfo".
 */
export interface SystemInfo {
  version: string
  portable: boolean
  data_dir: string
  notices: NoticeView[]
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TeacherOverrideRequest".
 */
export interface TeacherOverrideRequest {
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TextEvent".
 */
export interface TextEvent {
  stage: string
  text: string
  applied: boolean | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "TokenEvent".
 */
export interface TokenEvent {
  stage: string
  text: string
  round: number | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "VerifyRequest".
 */
export interface VerifyRequest {
  model_ids?: string[] | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "WindowShown".
 */
export interface WindowShown {
  window_shown: boolean
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "server__comfyui_install__requests__BundleRequest".
 */
export interface BundleRequest {
  folder: string
  choices?: PlanChoices
  leave_offline?: boolean
  /**
   * @maxItems 200
   */
  model_ids?: string[]
  pin?: string | null
}
/**
 * This interface was referenced by `ApiContract`'s JSON-Schema
 * via the `definition` "server__model_files__requests__BundleRequest".
 */
export interface BundleRequest1 {
  folder: string
  /**
   * @minItems 1
   * @maxItems 100
   */
  model_ids: [string, ...string[]]
}
