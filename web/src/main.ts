import { createApp } from 'vue'

import App from './App.vue'
import { createAppI18n } from './i18n'
import { createAppRouter } from './router'
import { APP_STORE, AppStore } from './state/app-store'
import './styles/base.css'

const i18n = createAppI18n()
const store = new AppStore(i18n)

createApp(App).use(i18n).use(createAppRouter()).provide(APP_STORE, store).mount('#app')
void store.start()
