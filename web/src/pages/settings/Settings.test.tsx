import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import Settings from './Settings'
import { filterSettings, section, sections } from './settings'
import { json, matchMedia, stubFetch, wrap } from '../ops/testutil'

beforeAll(matchMedia)
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const settings = [
  { key: 'listen', value: '127.0.0.1:8080' },
  { key: 'database.url', value: 'postgres://REDACTED@db:5432/keeper' },
  { key: 'database.max_open_conns', value: '10' },
  { key: 'auth.admin_password', secret: true, set: true },
  { key: 'metrics.token', secret: true },
  { key: 'sso[0].kind', value: 'ldap' },
]

const body = {
  version: 'v1.2.3 (revision 0123456789ab)',
  go_version: 'go1.26.0',
  serving_on: '127.0.0.1:40123',
  summary: {
    listen: '127.0.0.1:0',
    base_url: '',
    data_dir: '/var/lib/keeper',
    tls: 'off',
    database: 'postgres',
    database_target: 'postgres://REDACTED@db:5432/keeper',
    blob_store: 'filesystem',
    blob_target: '/var/lib/keeper/blobs',
    search: 'database',
    egress: 'public addresses only',
    rate_limits: 'unlimited per IP, unlimited per user, 10/1m0s logins, 1024 requests in flight',
    plugin_cache_dir: '/var/lib/keeper/cache/wasm',
    sso: ['ldap/corp (enabled)'],
  },
  scanners: [
    { name: 'trivy', program: '/usr/bin/trivy', found: true },
    { name: 'grype', program: 'grype', found: false },
  ],
  settings,
}

describe('settings helpers', () => {
  it('names sections and filters by text and section', () => {
    expect(section('sso[0].kind')).toBe('sso')
    expect(section('database.url')).toBe('database')
    expect(sections(settings)).toEqual(['listen', 'database', 'auth', 'metrics', 'sso'])
    expect(filterSettings(settings, 'CONNS').map((s) => s.key)).toEqual(['database.max_open_conns'])
    expect(filterSettings(settings, 'redacted').map((s) => s.key)).toEqual(['database.url'])
    expect(filterSettings(settings, '', ['auth', 'sso']).map((s) => s.key)).toEqual(['auth.admin_password', 'sso[0].kind'])
  })
})

describe('Settings', () => {
  it('shows the summary, the scanners, enabled SSO providers and every setting with secrets as set or not set', async () => {
    const calls = stubFetch((_m, url) => {
      if (url === '/api/v1/auth/providers') return json(200, { items: [{ kind: 'oidc', name: 'corp', display_name: 'Corp SSO', login_url: '/x' }] })
      return json(200, body)
    })
    wrap(<Settings />)
    expect((await screen.findByTestId('listen')).textContent).toBe('127.0.0.1:0')
    expect(screen.getByTestId('serving-on').textContent).toBe('127.0.0.1:40123')
    expect(screen.getByTestId('database-kind').textContent).toBe('postgres')
    expect(screen.getByText('v1.2.3 (revision 0123456789ab)')).toBeTruthy()
    expect(screen.getByText('trivy: /usr/bin/trivy')).toBeTruthy()
    expect(screen.getByText('grype: not found')).toBeTruthy()
    expect(await screen.findByText('Corp SSO (oidc)')).toBeTruthy()
    expect(screen.getByText('ldap/corp (enabled)')).toBeTruthy()
    expect(calls.map((c) => c.url).sort()).toEqual(['/api/v1/auth/providers', '/api/v1/system/settings'])

    const table = screen.getByRole('table', { name: 'Settings' })
    const row = (key: string) => within(table).getByText(key).closest('tr') as HTMLElement
    expect(within(row('auth.admin_password')).getByText('secret set')).toBeTruthy()
    expect(within(row('metrics.token')).getByText('not set')).toBeTruthy()
    expect(within(row('database.max_open_conns')).getByText('10')).toBeTruthy()

    fireEvent.change(screen.getByLabelText('Filter settings'), { target: { value: 'conns' } })
    await waitFor(() => expect(within(table).queryByText('listen')).toBeNull())
    expect(within(table).getByText('database.max_open_conns')).toBeTruthy()
  })

  it('shows the refusal of a non-administrator', async () => {
    stubFetch((_m, url) =>
      url === '/api/v1/system/settings' ? json(403, { error: { code: 'forbidden', message: 'administrators only' } }) : json(200, { items: [] }),
    )
    wrap(<Settings />)
    expect((await screen.findByRole('alert')).textContent).toContain('administrators only')
  })
})
