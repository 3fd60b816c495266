import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp } from 'antd'
import type { ReactNode } from 'react'
import Login from './Login'
import Policies from './Policies'
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
