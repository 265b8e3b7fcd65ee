// Checks the UI translations before every build:
// - de.json and en.json have exactly the same keys, and no text is empty;
// - both texts of a key use the same {placeholders};
// - no text uses vue-i18n's special characters by accident ('|' separates plural forms, '@' links);
// - every key written literally in the sources (t('a.b'), $t('a.b'), keypath="a.b") exists.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const localesDir = join(root, 'src', 'locales')
const languages = ['de', 'en']
const problems = []

function flatten(value, prefix, out) {
  if (typeof value === 'string') {
    out.set(prefix, value)
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out)
  } else {
    problems.push(`${prefix}: only texts and groups of texts are allowed, found ${JSON.stringify(value)}`)
  }
  return out
}

const messages = Object.fromEntries(
  languages.map((lang) => {
    const file = join(localesDir, `${lang}.json`)
    return [lang, flatten(JSON.parse(readFileSync(file, 'utf8')), '', new Map())]
  }),
)

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',')

for (const lang of languages) {
  for (const [key, text] of messages[lang]) {
    for (const other of languages.filter((l) => l !== lang)) {
      if (!messages[other].has(key)) problems.push(`${other}.json lacks "${key}" (present in ${lang}.json)`)
    }
    if (text.trim() === '') problems.push(`${lang}.json: "${key}" is empty`)
    if (/[|@]/.test(text)) problems.push(`${lang}.json: "${key}" contains '|' or '@', which vue-i18n treats as syntax`)
    if (/\{(?!\w+\})|(?<!\{\w+)\}/.test(text)) problems.push(`${lang}.json: "${key}" has an unmatched brace`)
  }
}
for (const [key, text] of messages.de) {
  const english = messages.en.get(key)
  if (english !== undefined && placeholders(text) !== placeholders(english)) {
    problems.push(`"${key}": de uses {${placeholders(text)}}, en uses {${placeholders(english)}}`)
  }
}

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|vue)$/.test(name) ? [path] : []
  })
}

const literalKey = /(?:\$t|\bt)\(\s*'([\w.]+)'|keypath="([\w.]+)"|i18nKey:\s*'([\w.]+)'/g
for (const file of sourceFiles(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8')
  for (const match of text.matchAll(literalKey)) {
    const key = match[1] ?? match[2] ?? match[3]
    if (!messages.de.has(key)) problems.push(`${relative(root, file)} uses the missing key "${key}"`)
  }
}

if (problems.length > 0) {
  console.error(`Translation check failed:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`Translations OK: ${messages.de.size} texts in ${languages.join(', ')}`)
