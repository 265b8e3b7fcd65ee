// The unsent text of a run in the tab's session storage (workshop-drafts.ts).

import { describe, expect, it } from 'vitest'

import { WorkshopDrafts } from './workshop-drafts'

function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  }
}

describe('WorkshopDrafts', () => {
  it('keeps each box per run until it is sent, then leaves nothing behind', () => {
    const storage = memoryStorage()
    const drafts = new WorkshopDrafts(storage)
    drafts.write('run-1', 'idea', 'Ein Fest')
    drafts.write('run-1', 'optimization', 'a festival')
    drafts.write('run-2', 'idea', 'Ein Stuhl')
    // Another page of the same tab (a reload) reads the same.
    expect(new WorkshopDrafts(storage).read('run-1')).toEqual({ idea: 'Ein Fest', optimization: 'a festival' })
    drafts.clear('run-1', ['optimization'])
    expect(drafts.read('run-1')).toEqual({ idea: 'Ein Fest' })
    drafts.clear('run-1')
    expect(drafts.read('run-1')).toEqual({})
    expect(drafts.read('run-2')).toEqual({ idea: 'Ein Stuhl' })
    expect(storage.length).toBe(1)
  })

  it('an empty box is a draft too (the student cleared it), and damaged storage reads as no draft', () => {
    const storage = memoryStorage()
    const drafts = new WorkshopDrafts(storage)
    drafts.write('run-1', 'idea', '')
    expect(drafts.read('run-1')).toEqual({ idea: '' })
    storage.setItem('ai4artsed.workshop.draft.run-3', '{not json')
    expect(drafts.read('run-3')).toEqual({})
    storage.setItem('ai4artsed.workshop.draft.run-4', '{"idea": 4, "rules": "R", "other": "x"}')
    expect(drafts.read('run-4')).toEqual({ rules: 'R' })
  })

  it('without storage it keeps nothing and fails nothing', () => {
    const drafts = new WorkshopDrafts(null)
    drafts.write('run-1', 'idea', 'Ein Fest')
    expect(drafts.read('run-1')).toEqual({})
  })
})
