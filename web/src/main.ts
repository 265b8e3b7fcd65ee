import { createApp } from 'vue'

import App from './App.vue'
import { createAppI18n } from './i18n'
import { createAppRouter } from './router'
import { APP_STORE, AppStore, isStudentPath } from './state/app-store'
import { STUDENT_SESSION, createStudentSession } from './state/student-session'
import { WORKSHOP_SESSION, WorkshopSession } from './state/workshop-session'
import './styles/base.css'

// A student's browser in a class opens the join page or the class's workshop; those pages run in
// student mode (no teacher endpoint is ever called, see app-store.ts).
const mode = isStudentPath(window.location.pathname) ? 'student' : 'teacher'
const i18n = createAppI18n()
const store = new AppStore(i18n, mode)
const session = new WorkshopSession(store.api, () => store.language)

const app = createApp(App)
  .use(i18n)
  .use(createAppRouter(mode))
  .provide(APP_STORE, store)
  .provide(WORKSHOP_SESSION, session)
if (mode === 'student') {
  app.provide(STUDENT_SESSION, createStudentSession(store))
}
app.mount('#app')
void store.start()
