import { createI18n } from 'vue-i18n'

import type { Language, Localized } from './api/types'
import de from './locales/de.json'
import en from './locales/en.json'

/** German is the reference: English must have the same shape (checked by vue-tsc here, and by scripts/check-locales.mjs). */
export type MessageSchema = typeof de

declare module 'vue-i18n' {
  export interface DefineLocaleMessage extends MessageSchema {}
}

export function createAppI18n(locale: Language = 'de') {
  return createI18n<[MessageSchema], Language, false>({
    legacy: false,
    locale,
    fallbackLocale: 'de',
    messages: { de, en },
  })
}

export type AppI18n = ReturnType<typeof createAppI18n>

/** A catalog text in the UI language (catalog files carry both languages). */
export function localized(text: Localized, language: Language): string {
  return text[language]
}
