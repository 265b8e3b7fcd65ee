// Lets a textarea grow with its text, so a student sees all of it without scrolling inside the box.
// (CSS `field-sizing: content` would do this, but WebKit on macOS does not support it yet.)

import { nextTick, onMounted, watch, type Ref } from 'vue'

export function useAutoGrow(textarea: Ref<HTMLTextAreaElement | null>, text: () => string): void {
  function fit(): void {
    const element = textarea.value
    if (element === null) return
    element.style.height = 'auto'
    // scrollHeight excludes the border; add it back so no scrollbar appears.
    const border = element.offsetHeight - element.clientHeight
    element.style.height = `${element.scrollHeight + border}px`
  }
  onMounted(fit)
  watch(text, () => void nextTick(fit))
  watch(textarea, () => void nextTick(fit))
}
