// File sizes the way model sites show them (decimal units), with the UI language's number format.

import type { Language } from '@/api/types'

const UNITS: readonly [number, string][] = [
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'kB'],
]

export function formatSize(bytes: number, language: Language): string {
  for (const [factor, unit] of UNITS) {
    if (bytes >= factor) {
      const digits = factor === 1e9 ? 1 : 0
      const number = new Intl.NumberFormat(language, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }).format(bytes / factor)
      return `${number} ${unit}`
    }
  }
  return `${bytes} B`
}
