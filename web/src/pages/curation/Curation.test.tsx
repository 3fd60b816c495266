import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import Curation from './Curation'
import { formatAge, lines, summary, toRules, toValues, type MaliciousPackage } from './curation'
import { json, matchMedia, stubFetch, wrap } from '../ops/testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const empty = { block: null, allow: null, deny_licenses: null, min_age_seconds: 0, max_severity: '' }
const repos = { items: [{ key: 'jsproxy', repo_type: 'remote', format: 'npm' }], total: 1 }

describe('curation helpers', () => {
  it('converts rules to the form and back', () => {
    const r = { block: ['evil-*', '@x/*@1.*'], allow: ['ok-*'], deny_licenses: ['GPL-3.0-only'], min_age_seconds: 172800, max_severity: 'HIGH', malicious: false }
    const v = toValues(r)
    expect(v).toEqual({ block: 'evil-*\n@x/*@1.*', allow: 'ok-*', deny_licenses: 'GPL-3.0-only', min_age_days: 2, max_severity: 'HIGH', malicious: false })
    expect(toRules(v)).toEqual(r)
    expect(toValues(empty).malicious).toBe(true)
    expect(toRules({ ...toValues(empty), min_age_days: 0.5 }).min_age_seconds).toBe(43200)
    expect(lines(' a \n\n b\r\n')).toEqual(['a', 'b'])
  })
  it('says what a rule set refuses', () => {
    expect(summary(empty)).toEqual([])
    expect(summary({ ...empty, block: ['evil-*'], min_age_seconds: 3600, malicious: false })).toEqual(['blocks evil-*', 'minimum age 1 h', 'malicious list off'])
    expect(formatAge(86400 * 3)).toBe('3 d')
    expect(formatAge(90)).toBe('90 s')
  })
})

describe('Curation', () => {
  it('saves a repository rule and lists it in force', async () => {
    const stored: Record<string, object> = { '': { ...empty, max_severity: 'CRITICAL' }, jsproxy: empty }
    const calls = stubFetch((method, url, body) => {
      if (url.startsWith('/api/v1/repositories')) return json(200, repos)
      const m = /^\/api\/v1\/curation\/rules(?:\/(.+))?$/.exec(url)
      if (m) {
        const key = m[1] ?? ''
        if (method === 'PUT') stored[key] = body as object
        return json(200, stored[key])
      }
      return json(404, { error: { code: 'not_found', message: url } })
    })
    wrap(<Curation />)
    const table = await screen.findByRole('table', { name: 'Rules in force' })
    await waitFor(() => expect(within(table).getByText('severity above CRITICAL refused')).toBeTruthy())
    expect(calls.some((c) => c.url === '/api/v1/repositories?type=remote&limit=500')).toBe(true)

    // Choose the repository's rules.
    fireEvent.mouseDown(screen.getByLabelText('Rules of'))
    const option = await screen.findByTitle('jsproxy')
    await act(async () => fireEvent.click(option))
    expect(await screen.findByText('Rules of jsproxy (they apply with the global ones)')).toBeTruthy()
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/curation/rules/jsproxy')).toBe(true))
    fireEvent.change(screen.getByLabelText('Blocked packages'), { target: { value: 'evil-*\n' } })
    fireEvent.change(screen.getByLabelText('Denied licenses'), { target: { value: 'GPL-3.0-only' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save rules' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.url).toBe('/api/v1/curation/rules/jsproxy')
    expect(put.body).toEqual({ block: ['evil-*'], allow: [], deny_licenses: ['GPL-3.0-only'], min_age_seconds: 0, max_severity: '', malicious: true })
    await waitFor(() => expect(within(table).getByText('blocks evil-*; denies GPL-3.0-only')).toBeTruthy())
  })

  it('shows the server refusing a rule set', async () => {
    stubFetch((method, url) => {
      if (url.startsWith('/api/v1/repositories')) return json(200, repos)
      if (method === 'PUT') return json(400, { error: { code: 'invalid', message: 'bad glob "[" in block' } })
      return json(200, empty)
    })
    wrap(<Curation />)
    await screen.findByRole('button', { name: 'Save rules' })
    await waitFor(() => expect((screen.getByLabelText('Known-malicious list') as HTMLButtonElement).getAttribute('aria-checked')).toBe('true'))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save rules' })))
    expect(await screen.findByText('bad glob "[" in block')).toBeTruthy()
  })

  it('adds to and removes from the malicious list', async () => {
    let items: MaliciousPackage[] = [{ id: 1, name: 'evil-a', versions: null, reason: 'MAL-1', source: 'osv', added_by: 'admin', added_at: '2026-12-07T01:00:00Z' }]
    const calls = stubFetch((method, url) => {
      if (method === 'POST') {
        const added = { id: 2, name: 'evil-b', versions: ['1.0.0'], reason: 'bad', source: 'ui', added_by: 'admin', added_at: '2026-12-07T02:00:00Z' }
        items = [...items, added]
        return json(200, { items: [added] })
      }
      if (method === 'DELETE') {
        items = items.filter((i) => `/api/v1/curation/malicious/${i.id}` !== url)
        return json(204, null)
      }
      return json(200, { items })
    })
    wrap(<Curation />)
    await act(async () => fireEvent.click(screen.getByRole('tab', { name: 'Malicious list' })))
    expect(await screen.findByText('evil-a')).toBeTruthy()
    expect(screen.getByText('every version')).toBeTruthy()
    const entry = '[{"name":"evil-b","versions":["1.0.0"],"reason":"bad"}]'
    fireEvent.change(screen.getByLabelText('Entries (JSON or OSV)'), { target: { value: entry } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add to the list' })))
    expect(await screen.findByText('evil-b')).toBeTruthy()
    expect(calls.find((c) => c.method === 'POST')!.url).toBe('/api/v1/curation/malicious?source=ui')
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Remove evil-a' })))
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Remove' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/v1/curation/malicious/1')).toBe(true))
    await waitFor(() => expect(screen.queryByText('evil-a')).toBeNull())
  })

  it('reports blocks and pages on', async () => {
    const block = (id: number, pkg: string) => ({ id, repository: 'jsproxy', path: `${pkg}/-/${pkg}-1.0.0.tgz`, package: pkg, version: '1.0.0', rule: 'block', reason: `${pkg}@1.0.0 matches evil-*`, at: '2026-12-07T01:00:00Z' })
    const calls = stubFetch((_m, url) => {
      if (url.startsWith('/api/v1/repositories')) return json(200, repos)
      if (url.includes('before=7')) return json(200, { items: [block(6, 'evil-old')] })
      return json(200, { items: [block(8, 'evil-new'), block(7, 'evil-mid')], next_before: 7 })
    })
    wrap(<Curation />)
    await act(async () => fireEvent.click(screen.getByRole('tab', { name: 'Blocks' })))
    expect(await screen.findByText('evil-new@1.0.0')).toBeTruthy()
    expect(screen.getByText('evil-mid@1.0.0 matches evil-*')).toBeTruthy()
    expect(calls.some((c) => c.url === '/api/v1/curation/blocks?limit=50')).toBe(true)
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Load more' })))
    expect(await screen.findByText('evil-old@1.0.0')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })
})
