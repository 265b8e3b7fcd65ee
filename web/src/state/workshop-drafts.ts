// What the student typed into a run's boxes but has not sent yet, in the tab's session storage. A
// run's view is rebuilt from its record on the server after a reload (workshop-session.ts), and the
// record knows only what was sent: the draft puts the unsent text back on top. Each field goes as
// soon as its box is sent. Before the first run of an attitude, the workshop's own snapshot keeps
// what was typed (nothing has been sent then).

export type DraftField = 'idea' | 'rules' | 'interception' | 'optimization'
export type Draft = Partial<Record<DraftField, string>>

const FIELDS: readonly DraftField[] = ['idea', 'rules', 'interception', 'optimization']
const PREFIX = 'ai4artsed.workshop.draft.'

export class WorkshopDrafts {
  private readonly storage: Storage | null

  constructor(storage: Storage | null) {
    this.storage = storage
  }

  /** The unsent text of a run (empty when there is none, or storage is not there). */
  read(runId: string): Draft {
    let parsed: unknown
    try {
      parsed = JSON.parse(this.storage?.getItem(PREFIX + runId) ?? 'null')
    } catch {
      return {}
    }
    if (typeof parsed !== 'object' || parsed === null) return {}
    const draft: Draft = {}
    for (const field of FIELDS) {
      const value = (parsed as Record<string, unknown>)[field]
      if (typeof value === 'string') draft[field] = value
    }
    return draft
  }

  /** A box of the run changed and was not sent. */
  write(runId: string, field: DraftField, value: string): void {
    this.store(runId, { ...this.read(runId), [field]: value })
  }

  /** These boxes were sent (all of them: the run's text was sent whole, or the run is left). */
  clear(runId: string, fields: readonly DraftField[] = FIELDS): void {
    const draft = this.read(runId)
    for (const field of fields) delete draft[field]
    this.store(runId, draft)
  }

  private store(runId: string, draft: Draft): void {
    try {
      if (Object.keys(draft).length === 0) this.storage?.removeItem(PREFIX + runId)
      else this.storage?.setItem(PREFIX + runId, JSON.stringify(draft))
    } catch {
      // A full or blocked storage only costs the unsent text after a reload.
    }
  }
}
