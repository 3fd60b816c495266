import { accessToken, api, ApiError, login, setSession } from './api'

function reply(status: number, body: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('api', () => {
  afterEach(() => {
    setSession(null)
    vi.unstubAllGlobals()
  })

  it('keeps the access token in memory and the refresh token in sessionStorage', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => reply(200, { access_token: 'a1', refresh_token: 'r1', expires_in: 900, token_type: 'Bearer' })))
    await login('admin', 'pw')
    expect(accessToken()).toBe('a1')
    expect(sessionStorage.getItem('keeper.refresh')).toBe('r1')
    expect(localStorage.getItem('keeper.refresh')).toBeNull()
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    setSession({ access_token: 'old', refresh_token: 'r1', expires_in: 1, token_type: 'Bearer' })
    const calls: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const auth = (init.headers as Record<string, string>)?.Authorization ?? ''
        calls.push(`${init.method} ${url} ${auth}`)
        if (url.endsWith('/auth/refresh')) return reply(200, { access_token: 'new', refresh_token: 'r2', expires_in: 900, token_type: 'Bearer' })
        return auth === 'Bearer new' ? reply(200, { ok: true }) : reply(401, { error: { code: 'token_expired', message: 'token expired' } })
      }),
    )
    await expect(api('/users/me')).resolves.toEqual({ ok: true })
    expect(calls).toEqual(['GET /api/v1/users/me Bearer old', 'POST /api/v1/auth/refresh ', 'GET /api/v1/users/me Bearer new'])
    expect(sessionStorage.getItem('keeper.refresh')).toBe('r2')
  })

  it('forgets the session when the refresh is refused, and reports the API error', async () => {
    setSession({ access_token: 'old', refresh_token: 'r1', expires_in: 1, token_type: 'Bearer' })
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => (url.endsWith('/auth/refresh') ? reply(401, { error: { code: 'bad_token', message: 'no' } }) : reply(401, { error: { code: 'token_expired', message: 'token expired' } }))),
    )
    const err = (await api("/users/me").catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(401)
    expect(accessToken()).toBe('')
    expect(sessionStorage.getItem('keeper.refresh')).toBeNull()
  })

  it('encodes query parameters and skips empty ones', async () => {
    const f = vi.fn(async () => reply(200, { items: [] }))
    vi.stubGlobal('fetch', f)
    await api('/repositories', { query: { format: 'npm', type: '', q: 'a b' } })
    expect((f.mock.calls[0] as unknown[])[0]).toBe('/api/v1/repositories?format=npm&q=a+b')
  })
})
