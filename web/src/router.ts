import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import type { MessageSchema } from './i18n'
import NotFoundView from './views/NotFoundView.vue'
import WorkshopView from './views/WorkshopView.vue'

/**
 * Names of the app's pages. Pages that later work adds ('gallery', 'models', 'settings') get a route
 * here with `meta.nav`; the header shows a navigation entry for every route that has one.
 */
export type PageName = 'workshop' | 'gallery' | 'models' | 'settings'

declare module 'vue-router' {
  interface RouteMeta {
    /** The navigation label (a key under "nav" in the locales); routes without it are not in the menu. */
    nav?: keyof MessageSchema['nav'] & PageName
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'workshop' satisfies PageName,
    component: WorkshopView,
    meta: { nav: 'workshop' },
  },
  // The server falls back to index.html for every path, so unknown app paths end up here.
  { path: '/:unknown(.*)*', name: 'not-found', component: NotFoundView },
]

export function createAppRouter() {
  return createRouter({ history: createWebHistory('/'), routes })
}
