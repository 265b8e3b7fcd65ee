// The export flow (run-export.ts) with the real ApiClient and job event stream; only the app server
// behind fetch and EventSource is a stand-in (src/testing/fake-app.ts), and the browser's download.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiClient } from '@/api/client'
import type { ExportResult } from '@/api/types'
import { FakeApp, apiError } from '@/testing/fake-app'

import { createRunExport, type RunExport } from './run-export'

const RESULT: ExportResult = { export_id: 'export-1', download_url: '/api/runs/exports/export-1', runs: 2, size: 1234 }

let app: FakeApp
let downloads: string[]

function newExport(): RunExport {
  const api = new ApiClient({
    language: () => 'en',
    unreachableMessage: () => 'The app does not answer.',
    unexpectedMessage: (code) => `Unexpected answer ${code}.`,
    onUnauthorized: () => undefined,
  })
  return createRunExport(api, {
    lostMessage: () => 'The connection to the app broke.',
    download: (url) => downloads.push(url),
  })
}

function progress(value: number, max: number): { value: number; max: number; node: null; fraction: number } {
  return { value, max, node: null, fraction: value / max }
}

beforeEach(() => {
  app = new FakeApp()
  downloads = []
  const page = app.globals()
  vi.stubGlobal('fetch', page.fetch)
  vi.stubGlobal('EventSource', page.EventSource)
  app.on('POST', '/api/runs/exports', { status: 202, body: { job_id: 'export-1' } })
  app.on('POST', '/api/jobs/export-1/cancel', { status: 200, body: { id: 'export-1', state: 'cancelled' } })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('an export of runs', () => {
  it('waits, counts the runs written, then downloads the zip by itself', async () => {
    const runExport = newExport()
    const done = runExport.start({ filter: { class_id: 'class-1' } })
    expect(runExport.state.status).toBe('waiting')
    expect(runExport.busy.value).toBe(true)
    await vi.waitFor(() => expect(app.streams).toHaveLength(1))
    expect(app.sent('POST', '/api/runs/exports')[0]?.body).toEqual({ filter: { class_id: 'class-1' } })

    const stream = app.stream('export-1')
    stream.send('progress', progress(1, 2))
    expect(runExport.state).toMatchObject({ status: 'running', value: 1, max: 2 })
    stream.send('progress', progress(2, 2))
    expect(runExport.state).toMatchObject({ status: 'running', value: 2, max: 2 })
    expect(downloads).toEqual([])
    stream.send('state', { state: 'succeeded', result: RESULT })
    await done

    expect(runExport.state).toMatchObject({ status: 'done', result: RESULT })
    expect(runExport.busy.value).toBe(false)
    expect(downloads).toEqual([RESULT.download_url])
    runExport.reset()
    expect(runExport.state).toMatchObject({ status: 'idle', result: null })
  })

  it('is cancelled through the job, and says so', async () => {
    const runExport = newExport()
    const done = runExport.start({ run_ids: ['a', 'b'] })
    await vi.waitFor(() => expect(app.streams).toHaveLength(1))
    app.stream('export-1').send('progress', progress(1, 2))
    runExport.reset() // not while it is on its way
    expect(runExport.state.status).toBe('running')
    await runExport.cancel()
    expect(app.sent('POST', '/api/jobs/export-1/cancel')).toHaveLength(1)
    app.stream('export-1').send('state', { state: 'cancelled', result: null })
    await done
    expect(runExport.state.status).toBe('cancelled')
    expect(downloads).toEqual([])
  })

  it("fails with the server's message, refused at the start or failed on the way", async () => {
    app.on('POST', '/api/runs/exports', apiError(400, 'export_nothing', 'Nothing to export.'))
    const refused = newExport()
    await refused.start({ filter: { class_id: 'class-1' } })
    expect(refused.state).toMatchObject({ status: 'failed', message: 'Nothing to export.' })

    app.on('POST', '/api/runs/exports', { status: 202, body: { job_id: 'export-1' } })
    const failing = newExport()
    const done = failing.start({ filter: { class_id: 'class-1' } })
    await vi.waitFor(() => expect(app.streams).toHaveLength(1))
    const stream = app.stream('export-1')
    stream.send('error', { code: 'export_failed', message: 'The disk is full.', params: {} })
    stream.send('state', { state: 'failed', result: null })
    await done
    expect(failing.state).toMatchObject({ status: 'failed', message: 'The disk is full.' })
    expect(downloads).toEqual([])
  })

  it('says when the connection to the app broke for good', async () => {
    const runExport = newExport()
    const done = runExport.start({ filter: {} })
    await vi.waitFor(() => expect(app.streams).toHaveLength(1))
    app.stream('export-1').send('end', { reason: 'shutdown' })
    await done
    expect(runExport.state).toMatchObject({ status: 'failed', message: 'The connection to the app broke.' })
  })
})
