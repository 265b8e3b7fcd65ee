// What the shell and its views share: the UI language, system info, the attitude catalog and its
// problems. Created once in main.ts and handed to components with provide/inject.
//
// In student mode (a student's browser in a class, pages under /join and /class) the store calls no
// teacher endpoint at all (they answer 403 on the class's listener): the language is the browser's
// own choice, kept in its local storage, and the student pages load what they need themselves.

import { inject, reactive, readonly, type InjectionKey } from 'vue'

import { ApiClient, ApiError } from '@/api/client'
import type { CatalogProblem, InterceptionCatalog, Language, SystemInfo } from '@/api/types'
import type { AppI18n } from '@/i18n'

export type Phase = 'loading' | 'ready' | 'failed' | 'unauthorized'

/** teacher: the app's own window (launch credential); student: a student's browser in a class. */
export type AppMode = 'teacher' | 'student'

const STUDENT_LANGUAGE_KEY = 'ai4artsed.student.language'

/** The student pages: the join page and everything under /class. */
export function isStudentPath(path: string): boolean {
  return /^\/(join|class)(\/|$)/.test(path)
}

function studentStorage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage
  } catch {
    return null
  }
}

/** The student's own choice in this browser, else the browser's language (German unless it is English). */
function studentLanguage(): Language {
  const saved = studentStorage()?.getItem(STUDENT_LANGUAGE_KEY)
  if (saved === 'de' || saved === 'en') return saved
  const browser = typeof navigator === 'undefined' ? '' : navigator.language.toLowerCase()
  return browser.startsWith('en') ? 'en' : 'de'
}

export interface AppState {
  phase: Phase
  /** Why the start failed (phase 'failed'), in the UI language. */
  loadError: string | null
  systemInfo: SystemInfo | null
  catalog: InterceptionCatalog | null
  problems: CatalogProblem[]
  /** Set when saving a language choice failed; the previous language stays. */
  languageError: string | null
  dismissedNotices: string[]
  /** The first-run wizard was finished or skipped (from the settings; true until they are loaded). */
  firstRunDone: boolean
}

export class AppStore {
  readonly api: ApiClient
  readonly mode: AppMode
  private readonly i18n: AppI18n
  private readonly mutable: AppState
  readonly state: Readonly<AppState>
  private readonly unauthorizedListeners: ((code: string) => void)[] = []

  constructor(i18n: AppI18n, mode: AppMode = 'teacher') {
    this.i18n = i18n
    this.mode = mode
    this.mutable = reactive<AppState>({
      phase: 'loading',
      loadError: null,
      systemInfo: null,
      catalog: null,
      problems: [],
      languageError: null,
      dismissedNotices: [],
      firstRunDone: true,
    })
    this.state = readonly(this.mutable) as Readonly<AppState>
    const t = i18n.global.t
    this.api = new ApiClient({
      language: () => this.language,
      unreachableMessage: () => t('errors.unreachable'),
      unexpectedMessage: (status) => t('errors.unexpected', { status }),
      onUnauthorized: (code) => {
        // A student's lost class login is the student pages' to show (see student-session.ts).
        if (this.mode === 'teacher') this.mutable.phase = 'unauthorized'
        for (const listener of this.unauthorizedListeners) listener(code)
      },
    })
  }

  /** Called with the error code of every 401 answer. */
  whenUnauthorized(listener: (code: string) => void): void {
    this.unauthorizedListeners.push(listener)
  }

  get language(): Language {
    return this.i18n.global.locale.value
  }

  /** Loads what the shell shows. Safe to call again after a failure (the retry button). */
  async start(): Promise<void> {
    this.mutable.phase = 'loading'
    this.mutable.loadError = null
    if (this.mode === 'student') {
      this.i18n.global.locale.value = studentLanguage()
      this.mutable.phase = 'ready'
      return
    }
    try {
      const settings = await this.api.settings()
      this.i18n.global.locale.value = settings.language
      this.mutable.firstRunDone = settings.first_run_done
      const [systemInfo, catalog, problems] = await Promise.all([
        this.api.systemInfo(),
        this.api.interceptions(),
        this.api.catalogProblems(),
      ])
      this.mutable.systemInfo = systemInfo
      this.mutable.catalog = catalog
      this.mutable.problems = problems.problems
      this.mutable.phase = 'ready'
    } catch (error) {
      this.fail(error)
    }
  }

  /** Switches the UI language, saves it in the settings, and refetches texts the server writes. */
  async setLanguage(language: Language): Promise<void> {
    const previous = this.language
    if (language === previous) return
    this.mutable.languageError = null
    this.i18n.global.locale.value = language
    if (this.mode === 'student') {
      // Only this browser's choice: a student never changes the app's settings.
      try {
        studentStorage()?.setItem(STUDENT_LANGUAGE_KEY, language)
      } catch {
        // A blocked storage only costs the choice at the next visit.
      }
      return
    }
    try {
      await this.api.updateSettings({ language })
    } catch (error) {
      this.i18n.global.locale.value = previous
      const message = error instanceof ApiError ? error.message : String(error)
      this.mutable.languageError = this.i18n.global.t('language.saveFailed', { message })
      return
    }
    await this.refreshServerTexts()
  }

  /** After a teacher changed an attitude: the catalog and its problems as the server has them now. */
  async reloadCatalog(): Promise<void> {
    const [catalog, problems] = await Promise.all([this.api.interceptions(), this.api.catalogProblems()])
    this.mutable.catalog = catalog
    this.mutable.problems = problems.problems
  }

  markFirstRunDone(): void {
    this.mutable.firstRunDone = true
  }

  dismissNotice(code: string): void {
    if (!this.mutable.dismissedNotices.includes(code)) this.mutable.dismissedNotices.push(code)
    // Hidden at once either way; remembering it across starts is a convenience, so a failure is quiet.
    this.api.dismissNotice(code).catch(() => undefined)
  }

  private async refreshServerTexts(): Promise<void> {
    try {
      const [systemInfo, problems] = await Promise.all([this.api.systemInfo(), this.api.catalogProblems()])
      this.mutable.systemInfo = systemInfo
      this.mutable.problems = problems.problems
    } catch (error) {
      // The texts already on screen stay (in the old language); a lost session shows its own page.
      if (!(error instanceof ApiError)) throw error
    }
  }

  private fail(error: unknown): void {
    if (this.mutable.phase === 'unauthorized') return
    if (error instanceof ApiError) {
      this.mutable.loadError = error.message
    } else {
      console.error(error)
      this.mutable.loadError = String(error)
    }
    this.mutable.phase = 'failed'
  }
}

export const APP_STORE: InjectionKey<AppStore> = Symbol('AppStore')

export function useAppStore(): AppStore {
  const store = inject(APP_STORE)
  if (store === undefined) throw new Error('useAppStore() needs the AppStore provided in main.ts')
  return store
}
