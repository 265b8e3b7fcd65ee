// The creative loop's state machine (workshop-session.ts) driven through its steps with the real
// ApiClient and JobEventStream; only the app server behind fetch and EventSource is a stand-in
// (src/testing/fake-app.ts).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiClient } from '@/api/client'
import type { Interception, Language, MediaItem, OutputCatalog } from '@/api/types'
import { FakeApp, apiError, heldAnswer } from '@/testing/fake-app'

import { WorkshopSession } from './workshop-session'

const DADA: Interception = {
  id: 'dada',
  name: { de: 'Dada', en: 'Dada' },
  description: { de: 'Unsinn mit Methode', en: 'Nonsense with method' },
  context: { de: 'Mach es absurd.', en: 'Make it absurd.' },
  kind: 'transform',
  icon: 'dada',
  color: '#000000',
  order: 1,
  min_age: 8,
  origin: 'shipped',
  result: 'media',
  recursion: null,
}

const BAUHAUS: Interception = {
  ...DADA,
  id: 'bauhaus',
  name: { de: 'Bauhaus', en: 'Bauhaus' },
  context: { de: 'Form folgt Funktion.', en: 'Form follows function.' },
}

const OUTPUTS: OutputCatalog = { media_types: [] }

function media(name: string): MediaItem {
  return {
    name,
    url: `/api/runs/run-1/media/${name}`,
    media_type: 'image',
    mime_type: 'image/png',
    size: 68,
    sha256: 'a'.repeat(64),
  }
}

let app: FakeApp
let language: Language

/** Each POST to a step's endpoint starts a new job: interception-1, interception-2, ... */
function startsJobs(path: string, prefix: string): void {
  let count = 0
  app.on('POST', path, () => {
    count += 1
    return { status: 202, body: { job_id: `${prefix}-${count}`, run_id: `run-${count}` } }
  })
}

/** The tab's session storage: one per test, shared by the sessions of one test (a reload). */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>()
  get length(): number {
    return this.items.size
  }
  clear(): void {
    this.items.clear()
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value)
  }
}

function newSession(storage: Storage | null = null): WorkshopSession {
  const api = new ApiClient({
    language: () => language,
    unreachableMessage: () => 'The app does not answer.',
    unexpectedMessage: (status) => `Unexpected answer ${status}.`,
    onUnauthorized: () => undefined,
  })
  return new WorkshopSession(api, () => language, storage)
}

beforeEach(() => {
  app = new FakeApp()
  language = 'de'
  const page = app.globals()
  vi.stubGlobal('fetch', page.fetch)
  vi.stubGlobal('EventSource', page.EventSource)
  startsJobs('/api/interception', 'interception')
  startsJobs('/api/optimization', 'optimization')
  startsJobs('/api/generation', 'generation')
  app.on('GET', '/api/catalog/outputs', { status: 200, body: OUTPUTS })
  app.on('POST', '/api/jobs/generation-1/cancel', { status: 202, body: { id: 'generation-1', state: 'running' } })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

/** Idea, attitude and a finished interception ("Ein Fest im Regen" -> "Der Regen tanzt."). */
async function intercepted(session: WorkshopSession): Promise<void> {
  session.setIdea('Ein Fest im Regen')
  session.useAttitude(DADA)
  await session.startInterception(DADA)
  const stream = app.stream('interception-1')
  stream.send('text', { stage: 'interception', text: 'Der Regen tanzt.' })
  stream.send('state', { state: 'succeeded', result: {} })
}

async function optimized(session: WorkshopSession): Promise<void> {
  await intercepted(session)
  await session.optimize('sd35_large')
  app.stream('optimization-1').send('text', { stage: 'optimization', text: 'dancing rain, festival' })
  app.stream('optimization-1').send('state', { state: 'succeeded', result: {} })
}

describe('interception', () => {
  it("sends a teacher's Telephone settings for this run with the PIN", async () => {
    const session = newSession()
    session.setIdea('Ein Fest im Regen')
    const telephone: Interception = {
      ...DADA,
      id: 'telephone',
      kind: 'recursive',
      recursion: { rounds: 8, languages: ['fr', 'ja', 'sw'], end_language: 'student' },
    }
    session.useAttitude(telephone)
    const recursion = { rounds: 3, languages: ['fr', 'ja', 'sw'] as [string, string, ...string[]], end_language: 'en' as const }
    await session.startInterception(telephone, { recursion, pin: '4711' })
    expect(app.sent('POST', '/api/interception').map((request) => request.body)).toEqual([
      expect.objectContaining({ config_id: 'telephone', telephone: recursion, pin: '4711' }),
    ])
  })

  it('sends the idea and the rules box, streams the answer into the interception box, then succeeds', async () => {
    const session = newSession()
    session.setIdea('Ein Fest im Regen')
    session.useAttitude(DADA)
    session.setRules('Mach es absurd. Und laut.')
    const starting = session.startInterception(DADA)
    expect(session.state.interception.status).toBe('starting')
    await starting

    expect(app.sent('POST', '/api/interception').map((request) => request.body)).toEqual([
      { config_id: 'dada', idea: 'Ein Fest im Regen', rules: 'Mach es absurd. Und laut.', language: 'de' },
    ])
    expect(session.state.runId).toBe('run-1')
    expect(session.state.interception).toMatchObject({ status: 'running', jobId: 'interception-1', text: '' })

    const stream = app.stream('interception-1')
    stream.send('state', { state: 'running' })
    stream.send('stage', { stage: 'interception' })
    stream.send('token', { stage: 'interception', text: 'Der Regen ' })
    stream.send('token', { stage: 'interception', text: 'tanzt' })
    expect(session.state.interception).toMatchObject({ stage: 'interception', text: 'Der Regen tanzt' })

    // The final text replaces what was streamed (the server's own cleanup of the answer).
    stream.send('text', { stage: 'interception', text: 'Der Regen tanzt.' })
    stream.send('state', { state: 'succeeded', result: {} })
    expect(session.state.interception).toMatchObject({ status: 'succeeded', problem: null, text: 'Der Regen tanzt.' })
    expect(stream.readyState).toBe(2)
    // The outputs the next step offers are loaded once there is something to optimize.
    await vi.waitFor(() => expect(session.state.outputs).toEqual(OUTPUTS))
  })

  it('follows the telephone rounds: each round streams into its own box and ends with its final text', async () => {
    const session = newSession()
    await session.startInterception(DADA)
    const stream = app.stream('interception-1')
    stream.send('round_start', { index: 1, language: 'fr', language_name: { de: 'Französisch', en: 'French' } })
    stream.send('token', { stage: 'interception', text: 'Une fête ', round: 1 })
    stream.send('token', { stage: 'interception', text: 'sous', round: 1 })
    stream.send('round_start', { index: 2, language: 'de', language_name: { de: 'Deutsch', en: 'German' } })
    expect(session.state.interception.rounds.map((round) => [round.index, round.text, round.finished])).toEqual([
      [1, 'Une fête sous', false],
      [2, '', false],
    ])
    stream.send('round', { index: 1, language: 'fr', text: 'Une fête sous la pluie' })
    expect(session.state.interception.rounds[0]).toMatchObject({ text: 'Une fête sous la pluie', finished: true })
    // Round tokens never reach the interception box itself.
    expect(session.state.interception.text).toBe('')
  })

  it('applies an event the server replays after a reconnect only once', async () => {
    const session = newSession()
    await session.startInterception(DADA)
    const stream = app.stream('interception-1')
    stream.send('token', { stage: 'interception', text: 'Der Regen ' })
    stream.replay(1, 'token', { stage: 'interception', text: 'Der Regen ' })
    stream.send('token', { stage: 'interception', text: 'tanzt' })
    expect(session.state.interception.text).toBe('Der Regen tanzt')
  })

  it('fails with the server message when the server refuses to start', async () => {
    app.on('POST', '/api/interception', apiError(400, 'idea_empty', 'Schreib zuerst eine Idee.'))
    const session = newSession()
    await session.startInterception(DADA)
    expect(session.state.interception).toMatchObject({
      status: 'failed',
      jobId: null,
      problem: { kind: 'failed', message: 'Schreib zuerst eine Idee.' },
    })
    expect(session.state.runId).toBeNull()
    expect(app.streams).toEqual([])
  })

  it('says the app is unreachable when the request cannot be sent', async () => {
    app.on('POST', '/api/interception', () => Promise.reject(new TypeError('Failed to fetch')))
    const session = newSession()
    await session.startInterception(DADA)
    expect(session.state.interception.problem).toEqual({ kind: 'failed', message: 'The app does not answer.' })
  })

  it('stops at the safety check with its explanation', async () => {
    const session = newSession()
    await session.startInterception(DADA)
    const stream = app.stream('interception-1')
    stream.send('stage', { stage: 'safety_input' })
    stream.send('blocked', { code: 'blocked_term', message: 'Das geht hier nicht.', stage: 'input', category: null })
    stream.send('state', { state: 'blocked' })
    expect(session.state.interception).toMatchObject({
      status: 'blocked',
      stage: 'safety_input',
      problem: { kind: 'blocked', message: 'Das geht hier nicht.' },
    })
  })

  it('keeps the message of an error event when the job then fails', async () => {
    const session = newSession()
    await session.startInterception(DADA)
    const stream = app.stream('interception-1')
    stream.send('error', { code: 'llm_timeout', message: 'Das Sprachmodell antwortet nicht.', params: {} })
    stream.send('state', { state: 'failed' })
    expect(session.state.interception).toMatchObject({
      status: 'failed',
      problem: { kind: 'failed', message: 'Das Sprachmodell antwortet nicht.' },
    })
  })

  it('fails as lost when the connection to the app breaks for good while the job runs', async () => {
    const session = newSession()
    await session.startInterception(DADA)
    app.stream('interception-1').giveUp()
    expect(session.state.interception).toMatchObject({ status: 'failed', problem: { kind: 'lost', message: null } })
  })

  it('drops the answer of an older attempt and cancels its job', async () => {
    const first = heldAnswer()
    let calls = 0
    app.on('POST', '/api/interception', () => {
      calls += 1
      return calls === 1 ? first.promise : { status: 202, body: { job_id: 'interception-2', run_id: 'run-2' } }
    })
    app.on('POST', '/api/jobs/interception-1/cancel', { status: 202, body: {} })
    const session = newSession()
    const old = session.startInterception(DADA)
    await session.startInterception(DADA)
    first.send({ status: 202, body: { job_id: 'interception-1', run_id: 'run-1' } })
    await old

    expect(session.state.runId).toBe('run-2')
    expect(session.state.interception).toMatchObject({ status: 'running', jobId: 'interception-2' })
    await vi.waitFor(() => expect(app.sent('POST', '/api/jobs/interception-1/cancel')).toHaveLength(1))
    expect(app.streams.map((stream) => stream.url)).toEqual(['/api/jobs/interception-2/events'])
  })
})

describe('optimization and generation', () => {
  it('runs idea -> interception -> optimization -> generation, each step sending what its box shows', async () => {
    const session = newSession()
    await intercepted(session)
    // The student edits the interception box: the optimization gets the edited text.
    session.setInterceptionText('Der Regen tanzt Walzer.')
    await session.optimize('sd35_large')
    expect(app.sent('POST', '/api/optimization').map((request) => request.body)).toEqual([
      { run_id: 'run-1', text: 'Der Regen tanzt Walzer.', output_id: 'sd35_large' },
    ])
    const optimization = app.stream('optimization-1')
    optimization.send('token', { stage: 'optimization', text: 'rain ' })
    optimization.send('token', { stage: 'translation', text: 'ignored' })
    optimization.send('token', { stage: 'optimization', text: 'waltz' })
    expect(session.state.optimization).toMatchObject({ status: 'running', outputId: 'sd35_large', text: 'rain waltz' })
    optimization.send('text', { stage: 'optimization', text: 'rain dancing a waltz', applied: true })
    optimization.send('state', { state: 'succeeded', result: {} })
    expect(session.state.optimization).toMatchObject({ status: 'succeeded', text: 'rain dancing a waltz' })

    session.setOptimizedText('rain dancing a waltz, watercolour')
    await session.generate()
    expect(app.sent('POST', '/api/generation').map((request) => request.body)).toEqual([
      { run_id: 'run-1', text: 'rain dancing a waltz, watercolour', output_id: 'sd35_large' },
    ])
    const generation = app.stream('generation-1')
    generation.send('state', { state: 'queued' })
    generation.send('queue', { position: 2, waiting: 3, ahead: 1, paused: false, estimate_s: 40 })
    expect(session.state.generation).toMatchObject({
      status: 'running',
      queue: { position: 2, waiting: 3, ahead: 1, paused: false, estimate_s: 40 },
    })
    generation.send('state', { state: 'running' })
    expect(session.state.generation.queue).toBeNull()
    generation.send('comfyui_queue', { ahead: 4 })
    expect(session.state.generation.comfyuiAhead).toBe(4)
    generation.send('executing', { node: '3', class_type: 'KSampler' })
    expect(session.state.generation.comfyuiAhead).toBe(0)
    generation.send('progress', { value: 5, max: 20, node: '3', fraction: 0.25 })
    generation.send('preview', { index: 7, mime_type: 'image/jpeg' })
    expect(session.state.generation).toMatchObject({
      stage: null,
      progress: { value: 5, max: 20, fraction: 0.25 },
      preview: '/api/jobs/generation-1/preview?index=7',
    })
    generation.send('progress', { value: 21, max: 20, node: '3', fraction: 1.05 })
    expect(session.state.generation.progress?.fraction).toBe(1)
    generation.send('media', media('g1.png'))
    generation.send('state', {
      state: 'succeeded',
      result: { run_id: 'run-1', generation_id: 'g1', seed: 1234, media: [media('g1.png'), media('g2.png')] },
    })
    expect(session.state.generation).toMatchObject({
      status: 'succeeded',
      seed: 1234,
      preview: null,
      progress: { value: 20, max: 20, fraction: 1 },
      cancelling: false,
    })
    // The media event and the result name g1.png both: it is shown once.
    expect(session.state.generation.media.map((item) => item.name)).toEqual(['g1.png', 'g2.png'])
  })

  it('sends a chosen seed, and none when the output default applies', async () => {
    const session = newSession()
    await optimized(session)
    await session.generate('random')
    await session.generate(42)
    await session.generate()
    expect(app.sent('POST', '/api/generation').map((request) => request.body)).toEqual([
      { run_id: 'run-1', text: 'dancing rain, festival', output_id: 'sd35_large', seed: 'random' },
      { run_id: 'run-1', text: 'dancing rain, festival', output_id: 'sd35_large', seed: 42 },
      { run_id: 'run-1', text: 'dancing rain, festival', output_id: 'sd35_large' },
    ])
    expect(session.state.generation.requestedSeed).toBeUndefined()
  })

  it('shows a cloud output’s request state and provider', async () => {
    const session = newSession()
    await optimized(session)
    await session.generate()
    const generation = app.stream('generation-1')
    generation.send('queue', { position: 1, waiting: 1, ahead: 0, paused: false, estimate_s: null })
    generation.send('cloud', { state: 'waiting', provider: 'OpenAI' })
    expect(session.state.generation).toMatchObject({ queue: null, cloud: { state: 'waiting', provider: 'OpenAI' } })
  })

  it('does nothing before there is a run to optimize or an output to generate for', async () => {
    const session = newSession()
    await session.optimize('sd35_large')
    await session.generate()
    expect(app.requests).toEqual([])
    expect(session.state.optimization.status).toBe('idle')
    expect(session.state.generation.status).toBe('idle')
  })

  it('starting a step again stops and clears the steps below it and cancels their running jobs', async () => {
    const session = newSession()
    await optimized(session)
    await session.generate()
    app.stream('generation-1').send('progress', { value: 3, max: 20, node: '3', fraction: 0.15 })
    const oldGeneration = app.stream('generation-1')

    await session.startInterception(DADA)
    expect(session.state.runId).toBe('run-2')
    expect(session.state.interception).toMatchObject({ status: 'running', jobId: 'interception-2', text: '' })
    expect(session.state.optimization).toMatchObject({ status: 'idle', outputId: null, text: '' })
    expect(session.state.generation).toMatchObject({ status: 'idle', jobId: null, progress: null, media: [] })
    await vi.waitFor(() => expect(app.sent('POST', '/api/jobs/generation-1/cancel')).toHaveLength(1))
    expect(oldGeneration.readyState).toBe(2)
    // What the old job still says is no longer listened to.
    oldGeneration.send('media', media('late.png'))
    expect(session.state.generation.media).toEqual([])
  })

  it('optimizing again for another output keeps the interception and clears the generation', async () => {
    const session = newSession()
    await optimized(session)
    await session.generate()
    app.stream('generation-1').send('state', {
      state: 'succeeded',
      result: { run_id: 'run-1', generation_id: 'g1', seed: 7, media: [media('g1.png')] },
    })
    await session.optimize('flux2')
    expect(session.state.interception).toMatchObject({ status: 'succeeded', text: 'Der Regen tanzt.' })
    expect(session.state.optimization).toMatchObject({ status: 'running', outputId: 'flux2', text: '' })
    expect(session.state.generation).toMatchObject({ status: 'idle', media: [], seed: null })
    // A finished job is not cancelled.
    expect(app.requests.filter((request) => request.path.endsWith('/cancel'))).toEqual([])
  })
})

describe('cancelling a generation', () => {
  it('asks the app once and ends as cancelled when the job says so', async () => {
    const session = newSession()
    await optimized(session)
    await session.generate()
    app.stream('generation-1').send('state', { state: 'running' })
    const cancelling = session.cancelGeneration()
    expect(session.state.generation.cancelling).toBe(true)
    await session.cancelGeneration() // a second click while the first is on its way
    await cancelling
    expect(app.sent('POST', '/api/jobs/generation-1/cancel')).toHaveLength(1)
    expect(session.state.generation.status).toBe('running')

    app.stream('generation-1').send('state', { state: 'cancelled' })
    expect(session.state.generation).toMatchObject({
      status: 'cancelled',
      cancelling: false,
      problem: { kind: 'cancelled', message: null },
    })
  })

  it('shows the server message and allows another try when the app refuses', async () => {
    app.on('POST', '/api/jobs/generation-1/cancel', apiError(404, 'job_not_found', 'Diesen Auftrag gibt es nicht mehr.'))
    const session = newSession()
    await optimized(session)
    await session.generate()
    await session.cancelGeneration()
    expect(session.state.generation).toMatchObject({
      status: 'running',
      cancelling: false,
      problem: { kind: 'failed', message: 'Diesen Auftrag gibt es nicht mehr.' },
    })
  })

  it('does not ask when nothing runs', async () => {
    const session = newSession()
    await optimized(session)
    await session.cancelGeneration()
    await session.generate()
    app.stream('generation-1').send('state', { state: 'succeeded', result: { seed: 1, media: [] } })
    await session.cancelGeneration()
    expect(app.requests.filter((request) => request.path.endsWith('/cancel'))).toEqual([])
  })
})

describe('attitude and rules', () => {
  it('a new attitude brings its rules; taking the same one again keeps the student’s edits', () => {
    const session = newSession()
    session.useAttitude(DADA)
    expect(session.state).toMatchObject({ attitudeId: 'dada', rules: 'Mach es absurd.' })
    session.setRules('Mach es absurd und bunt.')
    session.useAttitude(DADA)
    expect(session.state.rules).toBe('Mach es absurd und bunt.')
    session.useAttitude(BAUHAUS)
    expect(session.state).toMatchObject({ attitudeId: 'bauhaus', rules: 'Form folgt Funktion.' })
    session.setRules('Form folgt Spaß.')
    session.resetRules(BAUHAUS)
    expect(session.state.rules).toBe('Form folgt Funktion.')
  })

  it('after a language switch, rules left as they were follow the language and edited rules stay', () => {
    const session = newSession()
    session.useAttitude(DADA)
    language = 'en'
    session.followLanguage(DADA, 'de', 'en')
    expect(session.state.rules).toBe('Make it absurd.')
    session.setRules('Make it absurd and loud.')
    language = 'de'
    session.followLanguage(DADA, 'en', 'de')
    expect(session.state.rules).toBe('Make it absurd and loud.')
  })

  it('the interception request carries the UI language at the time it starts', async () => {
    const session = newSession()
    language = 'en'
    session.useAttitude(DADA)
    await session.startInterception(DADA)
    expect(app.sent('POST', '/api/interception')[0]?.body).toMatchObject({ rules: 'Make it absurd.', language: 'en' })
  })
})

describe('the output catalog', () => {
  it('keeps the server message when the catalog cannot be loaded, and clears it once it loads', async () => {
    app.on('GET', '/api/catalog/outputs', apiError(500, 'catalog_broken', 'Der Katalog ist beschädigt.'))
    const session = newSession()
    await session.loadOutputs()
    expect(session.state).toMatchObject({ outputs: null, outputsError: 'Der Katalog ist beschädigt.' })
    app.on('GET', '/api/catalog/outputs', { status: 200, body: OUTPUTS })
    await session.loadOutputs()
    expect(session.state).toMatchObject({ outputs: OUTPUTS, outputsError: null })
  })
})

describe('the run on the server', () => {
  it('a workshop opened with a run id rebuilds its view from the run record', async () => {
    const image = (name: string) => ({ name, media_type: 'image', mime_type: 'image/png', size: 68, sha256: 'a'.repeat(64) })
    const generation = (name: string, seed: number) => ({ output_id: 'selftest_image', seed, media: [image(name)] })
    app.on('GET', '/api/runs/run-7/detail', {
      status: 200,
      body: {
        record: {
          id: 'run-7',
          status: 'complete',
          idea: 'Ein Fest',
          interception: { config_id: 'dada', rules: 'Eigene Regeln', output: 'Ein tanzendes Fest', finished: true },
          optimizations: [{ output_id: 'selftest_image', output: 'a dancing festival', finished: true }],
          generations: [generation('g1.png', 1), generation('g2.png', 2)],
        },
        messages: {},
        running: [],
      },
    })
    const session = newSession()
    session.useAttitude(DADA, 'run-7')
    await vi.waitFor(() => expect(session.state.runId).toBe('run-7'))
    expect(session.state.idea).toBe('Ein Fest')
    expect(session.state.rules).toBe('Eigene Regeln')
    expect(session.state.interception).toMatchObject({ status: 'succeeded', text: 'Ein tanzendes Fest' })
    expect(session.state.optimization).toMatchObject({ status: 'succeeded', outputId: 'selftest_image', text: 'a dancing festival' })
    expect(session.state.generation).toMatchObject({ status: 'succeeded', seed: 2 })
    expect(session.state.generation.media.map((item) => item.url)).toEqual(['/api/runs/run-7/media/g2.png'])
    expect(session.state.earlier.map((item) => item.name)).toEqual(['g1.png'])
  })

  it('leaves a run of another attitude alone', async () => {
    app.on('GET', '/api/runs/run-8/detail', {
      status: 200,
      body: {
        record: { id: 'run-8', status: 'complete', idea: 'Ein Stuhl', interception: { config_id: 'bauhaus' }, optimizations: [], generations: [] },
        messages: {},
        running: [],
      },
    })
    const session = newSession()
    session.useAttitude(DADA, 'run-8')
    await vi.waitFor(() => expect(app.sent('GET', '/api/runs/run-8/detail')).toHaveLength(1))
    // The answer is read after the request went out: give it every chance to (wrongly) land.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(session.state.runId).toBeNull()
    expect(session.state.rules).toBe('Mach es absurd.')
  })

  describe('text typed but not sent', () => {
    function answersRun7(): void {
      app.on('GET', '/api/runs/run-7/detail', {
        status: 200,
        body: {
          record: {
            id: 'run-7',
            status: 'complete',
            idea: 'Ein Fest',
            interception: { config_id: 'dada', rules: 'Eigene Regeln', output: 'Ein tanzendes Fest', finished: true },
            optimizations: [{ output_id: 'selftest_image', output: 'a dancing festival', finished: true }],
            generations: [],
          },
          messages: {},
          running: [],
        },
      })
      startsJobs('/api/generation', 'generation')
    }

    async function reopened(storage: Storage): Promise<WorkshopSession> {
      const session = newSession(storage)
      session.useAttitude(DADA, 'run-7')
      await vi.waitFor(() => expect(session.state.runId).toBe('run-7'))
      return session
    }

    it('survives a reload on top of the run record, and each box goes once it is sent', async () => {
      answersRun7()
      const storage = new MemoryStorage()
      const first = await reopened(storage)
      first.setIdea('Ein Fest im Regen')
      first.setRules('Eigene Regeln, lauter')
      first.setInterceptionText('Ein tanzendes Fest, nass')
      first.setOptimizedText('a dancing festival in the rain')

      const second = await reopened(storage)
      expect(second.state.idea).toBe('Ein Fest im Regen')
      expect(second.state.rules).toBe('Eigene Regeln, lauter')
      expect(second.state.interception.text).toBe('Ein tanzendes Fest, nass')
      expect(second.state.optimization.text).toBe('a dancing festival in the rain')

      // Creating sends the optimized box: its draft goes, the others stay unsent.
      await second.generate()
      expect(app.sent('POST', '/api/generation').at(-1)?.body).toMatchObject({ text: 'a dancing festival in the rain' })
      const third = await reopened(storage)
      expect(third.state.optimization.text).toBe('a dancing festival')
      expect(third.state.idea).toBe('Ein Fest im Regen')

      // Starting again sends idea and rules into a new run: nothing of run-7 is left to put back.
      await third.startInterception(DADA)
      const fourth = await reopened(storage)
      expect(fourth.state.idea).toBe('Ein Fest')
      expect(fourth.state.rules).toBe('Eigene Regeln')
      expect(fourth.state.interception.text).toBe('Ein tanzendes Fest')
    })

    it('choosing an output sends the interception box: its draft goes', async () => {
      answersRun7()
      const storage = new MemoryStorage()
      const first = await reopened(storage)
      first.setInterceptionText('Ein tanzendes Fest, nass')
      await first.optimize('selftest_image')
      const second = await reopened(storage)
      expect(second.state.interception.text).toBe('Ein tanzendes Fest')
    })
  })
})
