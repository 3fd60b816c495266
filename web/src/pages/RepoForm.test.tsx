import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp } from 'antd'
import { useState, type ReactNode } from 'react'
import { Members, moveItem, RepoForm } from './RepoForm'
import { setSession, type Repository } from '../api'

function wrap(ui: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <AntApp>
      <QueryClientProvider client={qc}>{ui}</QueryClientProvider>
    </AntApp>,
  )
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

beforeAll(() => {
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})

afterEach(() => {
  setSession(null)
  vi.unstubAllGlobals()
})

function Harness({ initial, seen }: { initial: string[]; seen: (v: string[]) => void }) {
  const [v, setV] = useState(initial)
  return (
    <Members
      value={v}
      options={[]}
      onChange={(n) => {
        seen(n)
        setV(n)
      }}
    />
  )
}

const order = () => screen.getAllByTestId(/^member-/).map((el) => el.dataset.testid?.slice('member-'.length))

describe('Members', () => {
  it('moveItem moves one item', () => {
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b'])
    expect(moveItem(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a'])
  })

  it('reorders by drag and drop and by the keyboard buttons', async () => {
    const seen: string[][] = []
    wrap(<Harness initial={['a', 'b', 'c']} seen={(v) => seen.push(v)} />)
    expect(order()).toEqual(['a', 'b', 'c'])
    // Drag c onto a: c becomes first.
    fireEvent.dragStart(screen.getByTestId('member-c'))
    fireEvent.dragOver(screen.getByTestId('member-a'))
    fireEvent.drop(screen.getByTestId('member-a'))
    await waitFor(() => expect(order()).toEqual(['c', 'a', 'b']))
    // Drag c (now first) onto b (last): c goes last.
    fireEvent.dragStart(screen.getByTestId('member-c'))
    fireEvent.drop(screen.getByTestId('member-b'))
    await waitFor(() => expect(order()).toEqual(['a', 'b', 'c']))
    // The keyboard alternative: buttons with labels.
    expect(screen.getByRole('button', { name: 'Move a up' })).toHaveProperty('disabled', true)
    fireEvent.click(screen.getByRole('button', { name: 'Move a down' }))
    await waitFor(() => expect(order()).toEqual(['b', 'a', 'c']))
    fireEvent.click(screen.getByRole('button', { name: 'Remove c' }))
    await waitFor(() => expect(order()).toEqual(['b', 'a']))
    expect(seen).toEqual([
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
      ['b', 'a', 'c'],
      ['b', 'a'],
    ])
  })
})

describe('RepoForm upstream test', () => {
  it('tests an existing remote with its stored credentials and shows the answer', async () => {
    setSession({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
    const posted: { url: string; body: unknown }[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.includes('/upstream/test')) {
          posted.push({ url, body: JSON.parse(String(init?.body)) })
          return posted.length === 1
            ? json(200, { reachable: true, status: 200, latency_ms: 12, message: 'reachable: the upstream answered 200 OK' })
            : json(200, { reachable: false, refused: true, latency_ms: 1, message: 'refused by the egress policy' })
        }
        return json(200, { items: [], total: 0 })
      }),
    )
    const repo: Repository = {
      id: 1, key: 'rem', name: 'rem', format: 'generic', repo_type: 'remote', is_public: false, description: '',
      upstream_url: 'https://up.example/x', allow_overwrite: false, config: { upstream_username: 'alice' },
      secrets_set: ['upstream_password'], created_at: '',
    }
    wrap(<RepoForm open repo={repo} onClose={() => {}} />)
    expect(await screen.findByText('Set; leave empty to keep it')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /Test upstream$/ })))
    expect((await screen.findByRole('status')).textContent).toContain('200 OK')
    // No password typed: the stored credentials are the server's to use.
    expect(posted[0]).toEqual({ url: '/api/v1/repositories/rem/upstream/test', body: { url: 'https://up.example/x' } })
    fireEvent.change(screen.getByLabelText('Upstream password'), { target: { value: 'pw2' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /Test upstream$/ })))
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('egress'))
    expect(posted[1].body).toEqual({ url: 'https://up.example/x', username: 'alice', password: 'pw2' })
  })
})
