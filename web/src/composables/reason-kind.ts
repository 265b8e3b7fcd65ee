// A short, file-name-free word for why an output cannot be used, for the compact lists on the
// workshop page and in the wizard (the long message with files and sizes belongs on the Models page).
import type { UnavailableReason } from '@/api/types'

export type ReasonKind = 'modelFiles' | 'comfyui' | 'offline' | 'key' | 'other'

const MODEL_FILE_CODES = new Set([
  'output_model_file_missing',
  'output_model_files_missing',
  'output_model_file_wrong_size',
  'output_model_file_damaged',
  'output_models_not_offered',
  'output_models_missing_on_server',
])

export function reasonKind(reason: Pick<UnavailableReason, 'code'>): ReasonKind {
  if (MODEL_FILE_CODES.has(reason.code)) return 'modelFiles'
  if (reason.code === 'output_needs_comfyui' || reason.code.startsWith('comfyui')) return 'comfyui'
  if (reason.code === 'cloud.output_offline') return 'offline'
  if (reason.code === 'cloud.output_needs_key') return 'key'
  return 'other'
}

/** The kinds of an output's reasons, each once, in the order they come. */
export function reasonKinds(reasons: readonly Pick<UnavailableReason, 'code'>[]): ReasonKind[] {
  return [...new Set(reasons.map(reasonKind))]
}

export function isModelFileReason(reason: Pick<UnavailableReason, 'code'>): boolean {
  return reasonKind(reason) === 'modelFiles'
}
