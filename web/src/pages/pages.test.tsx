import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp } from 'antd'
import type { ReactNode } from 'react'
import Login from './Login'
import Policies from './Policies'
import SSO from './SSO'
import Dashboard from './Dashboard'
import { MemoryRouter } from 'react-router'
import { accessToken, setSession } from '../api'

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
  // antd's responsive helpers ask for matchMedia.
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})

afterEach(() => {
  setSession(null)
  vi.unstubAllGlobals()
})

describe('Login', () => {
  it('has labelled fields, posts the credentials and shows a refusal', async () => {
    const posted: unknown[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith('/auth/providers')) return json(200, { items: [{ kind: 'oidc', name: 'corp', display_name: 'Corp SSO', login_url: '/api/v1/auth/oidc/corp/login' }] })
        posted.push(JSON.parse(String(init?.body)))
        return posted.length === 1
          ? json(401, { error: { code: 'bad_credentials', message: 'wrong username or password' } })
          : json(200, { access_token: 'tok', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
      }),
    )
    wrap(<Login />)
    expect(await screen.findByRole('link', { name: 'Sign in with Corp SSO' })).toHaveProperty('href', expect.stringContaining('/api/v1/auth/oidc/corp/login'))
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } })
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })))
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('wrong username or password'))
    expect(posted[0]).toEqual({ username: 'alice', password: 'secret' })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })))
    await waitFor(() => expect(accessToken()).toBe('tok'))
  })
})

describe('Policies', () => {
  it('flags a syntax error by line and only then enables saving', async () => {
    setSession({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { version: 3, rules: [{ kind: 'p', subject: 'role:admin', object: '*', action: '*', effect: 'allow' }] })))
    wrap(<Policies />)
    const editor = (await screen.findByLabelText('Policy rules')) as HTMLTextAreaElement
    await waitFor(() => expect(editor.value).toBe('p, role:admin, *, *, allow'))
    const save = screen.getByRole('button', { name: 'Review and save' })
    expect(save).toHaveProperty('disabled', true)
    fireEvent.change(editor, { target: { value: editor.value + '\np, bob, *, read, allow' } })
    expect(await screen.findByText(/line 2: subject "bob"/)).toBeTruthy()
    expect(save).toHaveProperty('disabled', true)
    fireEvent.change(editor, { target: { value: 'p, role:admin, *, *, allow\np, user:bob, *, read, allow' } })
    await waitFor(() => expect(save).toHaveProperty('disabled', false))
  })
})

describe('SSO', () => {
  it('tests a provider connection and shows the answer', async () => {
    setSession({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
    const tested: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith('/test') && init?.method === 'POST') {
          tested.push(url)
          return json(200, { ok: false, message: "the directory refused the service account's bind" })
        }
        return json(200, { items: [{ kind: 'ldap', name: 'corp', display_name: 'Corp', enabled: true, config: {} }], total: 1 })
      }),
    )
    wrap(<SSO />)
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Test connection of ldap/corp' })))
    const status = await screen.findByRole('status')
    expect(status.textContent).toContain('connection failed')
    expect(status.textContent).toContain('refused the service account')
    expect(tested).toEqual(['/api/v1/admin/sso/ldap/corp/test'])
  })
})

describe('Dashboard', () => {
  it('shows the figures of /system/stats', async () => {
    setSession({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url.includes('/system/stats')) return json(200, { repositories: 7, by_format: { npm: 4, maven: 3 }, by_type: { local: 4, remote: 2, virtual: 1 }, artifacts: 1234, storage_bytes: 3 * 1024 * 1024 })
        return json(200, { items: [], total: 0 })
      }),
    )
    wrap(
      <MemoryRouter>
        <Dashboard />
      </MemoryRouter>,
    )
    expect(await screen.findByText('4 / 2 / 1')).toBeTruthy()
    expect(await screen.findByText('3.0 MiB')).toBeTruthy()
    expect(screen.getByTestId('format-npm').textContent).toBe('npm: 4')
    expect(screen.getByTestId('format-maven').textContent).toBe('maven: 3')
    expect(document.body.textContent).toContain('1,234')
  })

  it('charts downloads per day and lists the most downloaded artifacts', async () => {
    setSession({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' })
    const asked: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url)
        if (url.includes('/stats/downloads/top'))
          return json(200, { group_by: 'artifact', from: '2026-11-07', to: '2026-12-06', rows: [{ repository: 'libs', path: 'a/1.tgz', downloads: 42, bytes: 4200 }] })
        if (url.includes('/stats/downloads'))
          return json(200, {
            group_by: 'day',
            from: '2026-11-07',
            to: '2026-12-06',
            rows: [
              { day: '2026-12-01', downloads: 40, bytes: 4000 },
              { day: '2026-12-06', downloads: 2, bytes: 200 },
            ],
          })
        if (url.includes('/system/stats')) return json(200, { repositories: 0, by_format: {}, by_type: {}, artifacts: 0, storage_bytes: 0 })
        return json(200, { items: [], total: 0 })
      }),
    )
    wrap(
      <MemoryRouter>
        <Dashboard />
      </MemoryRouter>,
    )
    expect(await screen.findByRole('img', { name: 'Downloads per day' })).toBeTruthy()
    expect(document.querySelectorAll('svg[aria-label="Downloads per day"] rect')).toHaveLength(30)
    expect(screen.getByTestId('day-2026-12-01').textContent).toBe('2026-12-01: 40')
    expect(Number(screen.getByTestId('day-2026-12-01').getAttribute('height'))).toBeGreaterThan(Number(screen.getByTestId('day-2026-12-06').getAttribute('height')))
    expect(screen.getByTestId('day-2026-11-30').getAttribute('height')).toBe('0')
    expect((await screen.findByTestId('top-libs/a/1.tgz')).textContent).toBe('42')
    expect(asked.some((u) => u.includes('/api/v1/stats/downloads?group_by=day'))).toBe(true)
  })
})
