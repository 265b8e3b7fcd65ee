// Inside the desktop window, pywebview injects `window.pywebview` and fires `pywebviewready` once its
// JS API is usable. Either can happen before or after our shell is mounted, so both orders are handled.
// pywebview builds `api.*` with `new Function`: under a CSP without 'unsafe-eval' its script stops
// before creating them and never fires `pywebviewready`, so nothing is announced (and nothing breaks).

interface PywebviewApi {
  ui_ready?: () => Promise<unknown>
}

declare global {
  interface Window {
    pywebview?: { api?: PywebviewApi }
  }
}

function readyApi(): PywebviewApi | undefined {
  const api = window.pywebview?.api
  return typeof api?.ui_ready === 'function' ? api : undefined
}

/**
 * Tells the desktop program that the app is on screen (its proof that the window shows the app).
 * In an ordinary browser there is no pywebview and nothing happens.
 */
export function announceUiReady(): void {
  let announced = false
  const announce = (): void => {
    const api = readyApi()
    if (announced || api?.ui_ready === undefined) return
    announced = true
    api.ui_ready().catch((error: unknown) => {
      console.warn('the desktop window did not accept ui_ready', error)
    })
  }
  if (readyApi() !== undefined) {
    announce()
  } else {
    window.addEventListener('pywebviewready', announce, { once: true })
  }
}
