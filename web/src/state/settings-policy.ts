// The machine's lab policy as GET /api/settings reports it (`policy`, optional): settings fields an
// administrator fixed, and whether the settings page shows only the language.

import type { Settings } from '@/api/types'

export function isLocked(settings: Settings | null | undefined, field: string): boolean {
  return settings?.policy?.locked?.includes(field) ?? false
}

export function settingsHidden(settings: Settings | null | undefined): boolean {
  return settings?.policy?.hide_settings === true
}
