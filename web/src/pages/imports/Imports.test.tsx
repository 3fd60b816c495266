import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import Imports from './Imports'
import { SSEParser, tally, toSpec } from './imports'
import { json, matchMedia, wrap } from '../ops/testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

describe('import helpers', () => {
  it('builds the start body', () => {
    expect(toSpec({ url: ' https://h/artifactory ', token: 't', repositories: 'a, b c', map: 'a=x\n\n b = y ', security: true })).toEqual({
      url: 'https://h/artifactory',
      token: 't',
      repositories: ['a', 'b', 'c'],
      map: { a: 'x', b: 'y' },
      security: true,
    })
    expect(toSpec({ url: 'u', user: 'me', password: 'pw' })).toEqual({ url: 'u', user: 'me', password: 'pw' })
    expect(() => toSpec({ url: 'u', map: 'a=b=c' })).toThrow('"a=b=c" is not SOURCE=TARGET')
    expect(() => toSpec({ url: 'u', map: 'a' })).toThrow()
  })
  it('parses server-sent events split anywhere', () => {
    const p = new SSEParser()
    expect(p.push('id: 0\nevent: item\nda')).toEqual([])
    expect(p.push('ta: {"a":1}\n\n: comment\n\nevent: done\r\ndata: x\r\ndata: y\r\n')).toEqual([{ event: 'item', id: '0', data: '{"a":1}' }])
    expect(p.push('\r\n')).toEqual([{ event: 'done', id: undefined, data: 'x\ny' }])
  })
  it('counts outcomes', () => {
    expect(tally([{ repository: 'r', path: 'a', outcome: 'imported' }, { repository: 'r', path: 'b', outcome: 'failed', reason: 'x' }])).toEqual({ imported: 1, skipped: 0, failed: 1 })
  })
})

// A stream whose chunks the test pushes.
function stream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({ start: (c) => (ctl = c) })
  const enc = new TextEncoder()
  return { body, push: (s: string) => ctl.enqueue(enc.encode(s)), close: () => ctl.close() }
}

describe('Imports', () => {
  it('starts an import, follows its events to the report, filters the failed items', async () => {
    const job = { id: 'imp-1', url: 'https://h/artifactory', state: 'running', started_at: '2026-12-07T03:00:00Z', imported: 0, skipped: 0, failed: 0, bytes: 0 }
    let jobs: object[] = []
    const events = stream()
    const calls: { method: string; url: string; body?: unknown; auth?: string }[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET'
        calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined })
        if (method === 'POST') {
          jobs = [job]
          return json(202, job)
        }
        if (url.endsWith('/events')) return new Response(events.body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
        return json(200, { jobs })
      }),
    )
    wrap(<Imports />)
    expect(await screen.findByText('No imports yet')).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Artifactory URL'), { target: { value: 'https://h/artifactory' } })
    fireEvent.change(screen.getByLabelText('Access token'), { target: { value: 'secret' } })
    fireEvent.change(screen.getByLabelText('Key mapping'), { target: { value: 'libs-local=libs' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Start import' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ url: 'https://h/artifactory', token: 'secret', map: { 'libs-local': 'libs' } })
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/admin/imports/imp-1/events')).toBe(true))
    expect(await screen.findByText('Import imp-1')).toBeTruthy()
    expect(screen.getByTestId('import-state').textContent).toBe('running')

    await act(async () => {
      events.push('id: 0\nevent: item\ndata: {"repository":"libs","path":"a.jar","outcome":"imported"}\n\n')
      events.push('id: 1\nevent: item\ndata: {"repository":"libs","path":"b.jar","outcome":"failed","reason":"sha256 mismatch"}\n\n')
    })
    expect(await screen.findByText('a.jar')).toBeTruthy()
    expect(screen.getByText('sha256 mismatch')).toBeTruthy()
    const totals = screen.getByLabelText('Import totals')
    await waitFor(() => expect(totals.textContent).toContain('Imported1'))
    expect(totals.textContent).toContain('Failed1')
    // Still running: it can be stopped.
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy()

    await act(async () => {
      events.push('event: done\ndata: {"id":"imp-1","url":"u","state":"done","started_at":"2026-12-07T03:00:00Z","imported":1,"skipped":3,"failed":1,"bytes":2048}\n\n')
      events.close()
    })
    await waitFor(() => expect(screen.getByTestId('import-state').textContent).toBe('done'))
    expect(totals.textContent).toContain('Skipped3')
    expect(totals.textContent).toContain('2.0 KiB')
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull()

    fireEvent.click(screen.getByText('Failed', { selector: '.ant-segmented-item-label' }))
    const table = screen.getByRole('table', { name: 'Import items' })
    await waitFor(() => expect(within(table).queryByText('a.jar')).toBeNull())
    expect(within(table).getByText('b.jar')).toBeTruthy()
  })

  it('stops a running import', async () => {
    const job = { id: 'imp-2', url: 'u', state: 'running', by: 'admin', started_at: '2026-12-07T03:00:00Z', imported: 0, skipped: 0, failed: 0, bytes: 0 }
    const events = stream()
    const calls: { method: string; url: string }[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET'
        calls.push({ method, url })
        if (method === 'DELETE') {
          events.push('event: done\ndata: {"id":"imp-2","url":"u","state":"failed","error":"stopped","started_at":"2026-12-07T03:00:00Z","imported":0,"skipped":0,"failed":0,"bytes":0}\n\n')
          events.close()
          return json(204, null)
        }
        if (url.endsWith('/events')) return new Response(events.body, { status: 200 })
        return json(200, { jobs: [job] })
      }),
    )
    wrap(<Imports />)
    await act(async () => fireEvent.click(await screen.findByLabelText('Show import imp-2')))
    expect(screen.getByText(/ by admin$/)).toBeTruthy()
    expect(await screen.findByText('Waiting for the first file')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Stop' })))
    const confirm = await screen.findByRole('tooltip')
    await act(async () => fireEvent.click(within(confirm).getByRole('button', { name: 'Stop' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/v1/admin/imports/imp-2')).toBe(true))
    await waitFor(() => expect(screen.getByTestId('import-state').textContent).toBe('failed'))
    expect(screen.getByText('stopped')).toBeTruthy()
  })
})
