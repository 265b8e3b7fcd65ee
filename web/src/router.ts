import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import type { MessageSchema } from './i18n'
import AttitudeEditorView from './views/AttitudeEditorView.vue'
import ClassroomView from './views/ClassroomView.vue'
import CreativeLoopView from './views/CreativeLoopView.vue'
import GalleryView from './views/GalleryView.vue'
import ModelsView from './views/ModelsView.vue'
import NotFoundView from './views/NotFoundView.vue'
import ProjectorView from './views/ProjectorView.vue'
import RunDetailView from './views/RunDetailView.vue'
import SettingsView from './views/SettingsView.vue'
import StartView from './views/StartView.vue'
import WelcomeView from './views/WelcomeView.vue'
import JoinView from './views/student/JoinView.vue'
import StudentGalleryView from './views/student/StudentGalleryView.vue'
import StudentWorkshopView from './views/student/StudentWorkshopView.vue'
import type { AppMode } from './state/app-store'

/**
 * Names of the app's pages. Pages that later work adds ('gallery', 'models', 'settings') get a route
 * here with `meta.nav`; the header shows a navigation entry for every route that has one.
 */
export type PageName = 'workshop' | 'gallery' | 'models' | 'settings'

declare module 'vue-router' {
  interface RouteMeta {
    /** The navigation label (a key under "nav" in the locales); routes without it are not in the menu. */
    nav?: keyof MessageSchema['nav'] & PageName
    /** The navigation entry a page without its own belongs to (it is shown as the current one). */
    section?: PageName
    /** The page fills the window without the app's header and footer (the projector). */
    bare?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'workshop' satisfies PageName,
    component: StartView,
    meta: { nav: 'workshop' },
  },
  {
    // The creative loop with one attitude; its rules fill the rules box.
    path: '/create/:attitude',
    name: 'create',
    component: CreativeLoopView,
    meta: { section: 'workshop' },
  },
  {
    path: '/gallery',
    name: 'gallery' satisfies PageName,
    component: GalleryView,
    meta: { nav: 'gallery' },
  },
  {
    // The transparency view of one run.
    path: '/gallery/:runId',
    name: 'run',
    component: RunDetailView,
    meta: { section: 'gallery' },
  },
  {
    // Model files: what each output needs, import from a USB stick or folder, download, check.
    path: '/models',
    name: 'models' satisfies PageName,
    component: ModelsView,
    meta: { nav: 'models' },
  },
  {
    // Every setting, one panel per concern (language, safety and PIN, LLMs, ComfyUI, cloud, storage).
    path: '/settings',
    name: 'settings' satisfies PageName,
    component: SettingsView,
    meta: { nav: 'settings' },
  },
  {
    // Teachers' own attitudes: create, duplicate, edit, delete, export and import.
    path: '/attitudes',
    name: 'attitudes',
    component: AttitudeEditorView,
    meta: { section: 'settings' },
  },
  {
    // The first-run wizard; the app opens it at start until it is finished or skipped.
    path: '/welcome',
    name: 'welcome',
    component: WelcomeView,
    meta: { section: 'settings' },
  },
  {
    // The teacher's class: open it, show how to join, follow the students live.
    path: '/classroom',
    name: 'classroom',
    component: ClassroomView,
    meta: { section: 'workshop' },
  },
  {
    // The run the teacher shows the class, full-screen in a second window or tab.
    path: '/projector',
    name: 'projector',
    component: ProjectorView,
    meta: { bare: true },
  },
  // The server falls back to index.html for every path, so unknown app paths end up here.
  { path: '/:unknown(.*)*', name: 'not-found', component: NotFoundView },
]

// A student's browser in a class (student mode) knows only these pages: no teacher page exists
// there, so no link can lead to one (components check `router.hasRoute`).
const studentRoutes: RouteRecordRaw[] = [
  // The class code and a nickname; then the workshop.
  { path: '/join', name: 'student-join', component: JoinView },
  // The creative loop with the attitudes and outputs the class enables (?attitude=<id>&run=<id>).
  { path: '/class', name: 'student-workshop', component: StudentWorkshopView },
  // The student's own runs in this class.
  { path: '/class/gallery', name: 'student-gallery', component: StudentGalleryView },
  { path: '/:unknown(.*)*', redirect: { name: 'student-workshop' } },
]

export function createAppRouter(mode: AppMode = 'teacher') {
  return createRouter({
    history: createWebHistory('/'),
    routes: mode === 'student' ? studentRoutes : routes,
    // Each page opens at its top; Back and Forward return to where the reader was.
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
}
