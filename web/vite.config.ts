import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

const devApi = process.env.AI4ARTSED_DEV_API ?? 'http://127.0.0.1:8400'

// The app's Flask server serves web/dist at '/', with a fallback to index.html for the app's routes.
export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n feature flags: Composition API only. Messages are compiled just in time into an AST
    // and interpreted, never turned into code with `new Function`, so `script-src 'self'` holds.
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The app window is a current Chromium/WebKit engine (WebView2, WKWebView, Qt WebEngine).
    target: 'es2022',
  },
  server: {
    // `npm run dev` forwards /api to a running app, started e.g. with
    // `python -m desktop.main --headless --port 8400 --token dev` and
    // `AI4ARTSED_DEV_TOKEN=dev npm run dev`. The app only answers its own Host and Origin and needs
    // the token, so the proxy presents itself as the app's own page.
    proxy: {
      '/api': {
        target: devApi,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (request) => {
            request.removeHeader('origin')
            request.removeHeader('cookie')
            request.setHeader('authorization', `Bearer ${process.env.AI4ARTSED_DEV_TOKEN ?? ''}`)
          })
        },
      },
    },
  },
})
