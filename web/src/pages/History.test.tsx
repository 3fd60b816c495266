import { render, screen, within } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { MemoryRouter, Route, Routes } from 'react-router'
import History, { describe as describeEvent } from './History'

beforeAll(() => {
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})

afterEach(() => vi.unstubAllGlobals())

function json(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

describe('History', () => {
  it('names what happened', () => {
    expect(describeEvent({ action: 'artifact.publish', outcome: 'success' })).toEqual({ text: 'Uploaded', color: 'blue' })
    expect(describeEvent({ action: 'artifact.delete', outcome: 'success' }).text).toBe('Deleted')
    expect(describeEvent({ action: 'security.download.blocked', outcome: 'denied' })).toEqual({ text: 'Download blocked (denied)', color: 'red' })
    expect(describeEvent({ action: 'security.quarantine.release', outcome: 'success' }).color).toBe('orange')
  })

  it('shows a deleted artifact\'s events, downloads and that it is gone', async () => {
    const urls: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url)
        if (url.includes('/history/')) {
          return json({
            repository: 'ui-local', path: 'docs/a b.txt', total: 2, items: [
              { id: 9, at: '2026-12-06T23:00:02Z', actor: 'alice', action: 'artifact.delete', outcome: 'success', detail: '' },
              { id: 7, at: '2026-12-06T23:00:01Z', actor: 'bob', action: 'artifact.publish', outcome: 'success', detail: 'sha256=ab size=3' },
            ],
          })
        }
        if (url.includes('/stats/downloads')) return json({ group_by: 'artifact', from: '2000-01-01', to: '2026-12-06', rows: [{ repository: 'ui-local', path: 'docs/a b.txt', downloads: 3, bytes: 9 }] })
        if (url.includes('/artifacts?')) return json({ items: [{ path: 'docs/a b.txt.sig', size: 1, created_at: 'x' }] })
        return new Response('{}', { status: 404 })
      }),
    )
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <QueryClientProvider client={qc}>
        <MemoryRouter initialEntries={['/repositories/ui-local/history?path=docs%2Fa%20b.txt']}>
          <Routes>
            <Route path="/repositories/:key/history" element={<History />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    )
    expect(await screen.findByText('Deleted')).toBeTruthy()
    const events = screen.getByRole('region', { name: 'Events' })
    expect(within(events).getByText('Uploaded')).toBeTruthy()
    expect(within(events).getByText('sha256=ab size=3')).toBeTruthy()
    expect(events.textContent!.indexOf('Deleted')).toBeLessThan(events.textContent!.indexOf('Uploaded'))
    expect((await screen.findByTestId('history-downloads')).textContent).toBe('3')
    // Only "docs/a b.txt.sig" is listed: the path itself is not stored now.
    expect((await screen.findByTestId('history-stored')).textContent).toBe('no (deleted or never stored)')
    expect(screen.getByRole('heading', { name: 'History of docs/a b.txt' })).toBeTruthy()
    expect(urls).toContain('/api/v1/repositories/ui-local/history/docs/a%20b.txt?limit=50')
    expect(urls.some((u) => u.includes('/security/'))).toBe(false) // not an administrator
  })
})
