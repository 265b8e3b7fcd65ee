// A change that is chosen or typed but not applied yet, and the question before it is left behind.
// The panels report their unapplied changes (useUnappliedChange); a page that guides through steps
// (the first-run wizard) asks before any way out of a step: its own buttons through `leave`, the
// router through a route-leave guard. On pages without such a guard (the settings page) reporting
// does nothing, so each panel reports the same way wherever it is shown.

import { computed, inject, onBeforeUnmount, provide, ref, type ComputedRef, type InjectionKey } from 'vue'
import { onBeforeRouteLeave, useRouter } from 'vue-router'

type Source = () => boolean

interface UnappliedRegistry {
  add(source: Source): () => void
}

const UNAPPLIED: InjectionKey<UnappliedRegistry> = Symbol('unapplied-changes')

/** In a panel with an apply or save button: `source` says whether it holds an unapplied change. */
export function useUnappliedChange(source: Source): void {
  const registry = inject(UNAPPLIED, null)
  if (registry === null) return
  onBeforeUnmount(registry.add(source))
}

export interface LeaveGuard {
  /** The question is on screen. */
  asking: ComputedRef<boolean>
  /** Does `action` (the step's next/back/skip) at once, or after "leave" when a change is unapplied. */
  leave(action: () => unknown): void
  /** "Stay": the question goes, the change stays where it is. */
  stay(): void
  /** "Leave without applying": the waiting action runs; the unmounted panel takes its change along. */
  leaveAnyway(): Promise<void>
}

/** In the page whose steps hold the panels: collects their reports and asks before leaving. */
export function useLeaveGuard(): LeaveGuard {
  const router = useRouter()
  const sources = new Set<Source>()
  provide(UNAPPLIED, {
    add(source) {
      sources.add(source)
      return () => sources.delete(source)
    },
  })
  const waiting = ref<(() => unknown) | null>(null)
  // While the teacher's "leave" is carried out, the route guard lets it through.
  let passing = false

  function unapplied(): boolean {
    for (const source of sources) if (source()) return true
    return false
  }

  function leave(action: () => unknown): void {
    if (unapplied()) waiting.value = action
    else void action()
  }

  async function leaveAnyway(): Promise<void> {
    const action = waiting.value
    waiting.value = null
    if (action === null) return
    passing = true
    try {
      await action()
    } finally {
      passing = false
    }
  }

  onBeforeRouteLeave((to) => {
    if (passing || !unapplied()) return true
    waiting.value = () => router.push(to.fullPath)
    return false
  })

  return {
    asking: computed(() => waiting.value !== null),
    leave,
    stay: () => {
      waiting.value = null
    },
    leaveAnyway,
  }
}
