// Which model files a lab bundle can carry, and how much they weigh together. Only files on this
// computer can be written onto the stick (the server warns and skips any other); the others are
// listed too, so the teacher sees what the catalog has and where to get it first (the Models page).

import type { Language, ModelFileInfo } from '@/api/types'
import { localized } from '@/i18n'

export interface BundleChoice {
  file: ModelFileInfo
  /** On this computer: it can go into the bundle. */
  here: boolean
}

/** The catalog's files, those on this computer first, each group by name. */
export function bundleChoices(files: readonly ModelFileInfo[], language: Language): BundleChoice[] {
  return files
    .map((file) => ({ file, here: file.state === 'present' }))
    .sort(
      (a, b) =>
        Number(b.here) - Number(a.here) ||
        localized(a.file.name, language).localeCompare(localized(b.file.name, language), language),
    )
}

/** The ids the bundle request carries: the chosen files that are on this computer, in catalog order. */
export function bundleModelIds(files: readonly ModelFileInfo[], chosen: readonly string[]): string[] {
  return files.filter((file) => file.state === 'present' && chosen.includes(file.id)).map((file) => file.id)
}

/** The chosen files' size together (what the stick needs for the models). */
export function bundleModelBytes(files: readonly ModelFileInfo[], chosen: readonly string[]): number {
  const ids = bundleModelIds(files, chosen)
  return files.filter((file) => ids.includes(file.id)).reduce((sum, file) => sum + file.size, 0)
}
