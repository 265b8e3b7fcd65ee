import { createApp } from 'vue'

import App from './App.vue'
import { createAppI18n } from './i18n'
import { createAppRouter } from './router'
import { APP_STORE, AppStore } from './state/app-store'
import { WORKSHOP_SESSION, WorkshopSession } from './state/workshop-session'
import './styles/base.css'

const i18n = createAppI18n()
const store = new AppStore(i18n)
const session = new WorkshopSession(store.api, () => store.language)

createApp(App)
  .use(i18n)
  .use(createAppRouter())
  .provide(APP_STORE, store)
  .provide(WORKSHOP_SESSION, session)
  .mount('#app')
void store.start()
