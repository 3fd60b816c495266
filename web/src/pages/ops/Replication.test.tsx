import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import Replication from './Replication'
import { cronError, policyBody, policyForm, scheduleText, selectorText, windowError, type SyncPolicy } from './replication'
import { json, matchMedia, stubFetch, wrap } from './testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const policy: SyncPolicy = {
  id: 4, name: 'to-eu', repo_selector: { keys: ['libs'], patterns: ['npm-*'], formats: [] }, peer_selector: { ids: [2] },
  replication_mode: 'push', priority: 'scheduled', schedule_cron: '0 2 * * *', schedule_every: '', sync_window: '22:00-06:00', enabled: true,
}
const peer = { id: 2, name: 'eu', endpoint_url: 'https://eu.example', instance_id: 'abc', remote_name: 'keeper-eu', online: true, last_seen_at: '2026-12-07T03:00:00Z', max_bytes_per_second: 0, created_at: '' }

describe('replication helpers', () => {
  it('checks windows and cron shapes', () => {
    expect(windowError('')).toBe('')
    expect(windowError('22:00-06:00')).toBe('')
    expect(windowError('25:00-06:00')).not.toBe('')
    expect(cronError('0 2 * * *')).toBe('')
    expect(cronError('0 2 * *')).not.toBe('')
  })
  it('round-trips a policy through the form', () => {
    const { id: _, ...body } = policy
    expect(policyBody(policyForm(policy))).toEqual({
      ...body, delete_repositories: false, repo_selector: { ...body.repo_selector, labels: [] }, peer_selector: { ids: [2], labels: [] },
    })
    const labelled = { ...policy, repo_selector: { labels: ['team=web'] }, peer_selector: { labels: ['region=eu'] } }
    expect(policyBody(policyForm(labelled))).toMatchObject({ repo_selector: { labels: ['team=web'] }, peer_selector: { labels: ['region=eu'] } })
    expect(selectorText(labelled.repo_selector)).toBe('label team=web')
    expect(policyBody({ name: 'x', replication_mode: 'pull', priority: 'immediate', schedule: '6h', all_peers: true })).toMatchObject({
      peer_selector: { all: true }, schedule_every: '', schedule_cron: '',
    })
    expect(policyBody({ name: 'x', replication_mode: 'push', priority: 'scheduled', schedule_kind: 'every', schedule: '6h' }).schedule_every).toBe('6h')
  })
  it('describes selection and schedule', () => {
    expect(selectorText(policy.repo_selector)).toBe('libs, npm-*')
    expect(selectorText({})).toBe('every local repository')
    expect(scheduleText(policy)).toBe('cron 0 2 * * *, within 22:00-06:00 UTC')
    expect(scheduleText({ ...policy, priority: 'on_demand', sync_window: '' })).toBe('on demand')
  })
})

describe('Replication', () => {
  it('adds a peer with a write-only key, shows its state, lists policies and the queue', async () => {
    const calls = stubFetch((method, url) => {
      if (url.startsWith('/api/v1/peers') && method === 'POST') return json(201, { ...peer, id: 3, name: 'us', online: false })
      if (url.startsWith('/api/v1/peers')) return json(200, { items: [peer] })
      if (url.startsWith('/api/v1/sync-policies')) return json(200, { items: [policy] })
      return json(200, { peers: [{ peer_id: 2, bytes_needed: 0, bytes_sent: 2048, files_sent: 3, files_skipped: 1, deletes: 0, failures: 0 }], tasks: [{ id: 9, peer_id: 2, repository: 'libs', path: 'a.jar', held: true, due_at: '', attempts: 0 }] })
    })
    wrap(<Replication />)
    expect((await screen.findByTestId('peer-status-eu')).textContent).toBe('online')
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add peer' })))
    const dialog = await screen.findByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'us' } })
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'https://us.example' } })
    fireEvent.change(within(dialog).getByLabelText('API key'), { target: { value: 'kp_secret' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Add' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: 'us', endpoint_url: 'https://us.example', api_key: 'kp_secret', max_bytes_per_second: 0 })

    await act(async () => fireEvent.click(screen.getByRole('tab', { name: 'Sync policies' })))
    expect(await screen.findByText('cron 0 2 * * *, within 22:00-06:00 UTC')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('tab', { name: 'Status' })))
    expect(await screen.findByText('a.jar')).toBeTruthy()
    expect(screen.getByText('held (on demand)')).toBeTruthy()
  })
})
