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

export interface Settings {
  schema_version: number
  language: Language
  safety_level: SafetyLevel
  offline: boolean
  comfyui: ComfyUISettings
}

/** What the UI may change without the teacher PIN. */
export interface SettingsPatch {
  language?: Language
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
