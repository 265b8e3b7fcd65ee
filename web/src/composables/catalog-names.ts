// Names of attitudes and outputs as the pages show them: the catalog's, in the reader's language.
// A run keeps the attitude's name it was made with (a teacher's attitude may be renamed or deleted
// since); an id the catalog does not know (any more) is shown as it is.
import type { InterceptionCatalog, Language, OutputCatalog } from '@/api/types'
import { localized } from '@/i18n'

export function attitudeNameIn(
  catalog: InterceptionCatalog | null | undefined,
  id: string,
  language: Language,
  recorded: Record<string, string> | null = null,
): string {
  const name = recorded?.[language]
  if (name) return name
  for (const category of catalog?.categories ?? []) {
    const found = category.interceptions.find((item) => item.id === id)
    if (found) return localized(found.name, language)
  }
  return id
}

export function outputNameIn(outputs: OutputCatalog | null | undefined, id: string, language: Language): string {
  for (const group of outputs?.media_types ?? []) {
    const found = group.outputs.find((item) => item.id === id)
    if (found) return localized(found.name, language)
  }
  return id
}
