import { act, fireEvent, render, screen } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp } from 'antd'
import type { ReactNode } from 'react'
import { MemoryRouter } from 'react-router'
import Findings from './Findings'
import Quarantine from './Quarantine'

function wrap(ui: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <AntApp>
      <QueryClientProvider client={qc}>
        <MemoryRouter>{ui}</MemoryRouter>
      </QueryClientProvider>
    </AntApp>,
  )
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

beforeAll(() => {
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})
afterEach(() => vi.unstubAllGlobals())

const report = {
  repository: 'mvn',
  path: 'a/1.0.0/a.jar',
  status: 'done',
  findings: [{ id: 'CVE-2099-0003', package: 'com.example:a', installed_version: '1.0.0', fixed_version: '1.1.0', severity: 'HIGH', sources: ['trivy'] }],
  acknowledged: [],
  download: { allowed: false, quarantined: true, reason: 'held by quarantine' },
  grade: 'B',
  score: 90,
}

describe('Findings', () => {
  it('lists findings, opens the details with a link to the artifact, and posts an acknowledgement', { timeout: 30000 }, async () => {
    const posted: unknown[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.includes('/security/scans')) return json(200, { items: [report] })
        if (url.includes('/security/acknowledgements') && init?.method === 'POST') {
          posted.push(JSON.parse(String(init.body)))
          return json(201, {})
        }
        if (url.includes('/security/acknowledgements')) return json(200, { items: [] })
        return json(200, { items: [{ key: 'mvn' }] })
      }),
    )
    wrap(<Findings />)
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Details of CVE-2099-0003 in com.example:a' }, { timeout: 10000 })))
    expect(await screen.findByRole('link', { name: 'mvn/a/1.0.0/a.jar' }, { timeout: 10000 })).toHaveProperty('href', expect.stringContaining('/repositories/mvn?path=a%2F1.0.0%2Fa.jar'))
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'not reachable' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' })))
    await vi.waitFor(() => expect(posted).toHaveLength(1), { timeout: 10000 })
    expect(posted[0]).toMatchObject({ vulnerability_id: 'CVE-2099-0003', repository: 'mvn', reason: 'not reachable' })
  })
  it('shows the error state', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(500, { error: { code: 'internal', message: 'boom' } })))
    wrap(<Findings />)
    expect(await screen.findByText('Could not load findings', {}, { timeout: 10000 })).toBeTruthy()
  })
})

describe('Quarantine', () => {
  it('shows why an artifact is held, and the empty state', { timeout: 30000 }, async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (url.includes('/quarantine') ? json(200, { items: [report] }) : json(200, { items: [] }))))
    const { unmount } = wrap(<Quarantine />)
    expect(await screen.findByText('held by quarantine', {}, { timeout: 10000 })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Release mvn/a/1.0.0/a.jar' })).toBeTruthy()
    unmount()
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { items: [] })))
    wrap(<Quarantine />)
    expect(await screen.findByText('Nothing is held in quarantine', {}, { timeout: 10000 })).toBeTruthy()
  })
})
