// What a lab bundle can carry of the catalog's model files (bundle-models.ts).

import { describe, expect, it } from 'vitest'

import type { ModelFileInfo } from '@/api/types'

import { bundleChoices, bundleModelBytes, bundleModelIds } from './bundle-models'

function file(id: string, name: string, size: number, state: ModelFileInfo['state']): ModelFileInfo {
  return {
    id,
    name: { de: name, en: name },
    folder: 'checkpoints',
    filename: `${id}.safetensors`,
    size,
    size_exact: true,
    sha256_known: true,
    downloadable: true,
    licence: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    notes: null,
    used_by: [],
    state,
    checksum: null,
    path: null,
    size_on_disk: null,
    location_id: null,
    origin: null,
    partial_download: null,
    comfyui_listed: null,
    busy: false,
  }
}

const FILES = [
  file('zeta', 'Zeta', 3_000, 'present'),
  file('alpha', 'Alpha', 5_000, 'missing'),
  file('beta', 'Beta', 2_000, 'present'),
]

describe('the lab bundle model files', () => {
  it('lists the files on this computer first, each group by name', () => {
    expect(bundleChoices(FILES, 'de').map(({ file, here }) => [file.id, here])).toEqual([
      ['beta', true],
      ['zeta', true],
      ['alpha', false],
    ])
  })

  it('sends and sums only chosen files that are on this computer', () => {
    const chosen = ['alpha', 'zeta', 'beta']
    expect(bundleModelIds(FILES, chosen)).toEqual(['zeta', 'beta'])
    expect(bundleModelBytes(FILES, chosen)).toBe(5_000)
    expect(bundleModelBytes(FILES, [])).toBe(0)
  })
})
