import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import Lifecycle from './Lifecycle'
import { QuotaCard } from './QuotaCard'
import { durationError, fromMiB, policyBody, summary, toMiB, usagePercent } from './lifecycle'
import { json, matchMedia, stubFetch, wrap } from './testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const policy = { id: 3, name: 'keep-10', repository: 'libs', keep_last: 10, older_than: '90d', not_downloaded_for: '', include: 'app-*', exclude: '', enabled: true, last_deleted: 0 }

describe('lifecycle helpers', () => {
  it('checks durations as the server takes them', () => {
    expect(durationError('')).toBe('')
    expect(durationError('30d')).toBe('')
    expect(durationError('720h')).toBe('')
    expect(durationError('1h30m')).toBe('')
    expect(durationError('a week')).not.toBe('')
    expect(durationError('30')).not.toBe('')
  })
  it('says what a policy does', () => {
    expect(summary(policy)).toBe('keep the newest 10, older than 90d, only app-*')
    expect(summary({ ...policy, older_than: '' })).toBe('keep the newest 10, delete the rest, only app-*')
    expect(summary({ keep_last: 0, older_than: '', not_downloaded_for: '', include: '', exclude: 'core' })).toBe('delete every version, except core')
  })
  it('builds the body and converts sizes', () => {
    expect(policyBody({ name: ' x ', repository: 'r', keep_last: 2 })).toEqual({ name: 'x', repository: 'r', keep_last: 2, older_than: '', not_downloaded_for: '', include: '', exclude: '', enabled: true })
    expect(fromMiB(1.5)).toBe(1572864)
    expect(toMiB(1572864)).toBe(1.5)
    expect(fromMiB(null)).toBe(0)
    expect(usagePercent({ max_bytes: 200, warn_bytes: 0, used_bytes: 50 })).toBe(25)
    expect(usagePercent({ max_bytes: 0, warn_bytes: 0, used_bytes: 50 })).toBe(0)
  })
})

describe('Lifecycle', () => {
  it('lists policies, previews one and edits it', async () => {
    const calls = stubFetch((method, url) => {
      if (url.endsWith('/preview'))
        return json(200, { policy: 'keep-10', repository: 'libs', dry_run: true, bytes: 4096, truncated: false, at: 'now', items: [{ package: 'app', version: '0.1', paths: ['app/0.1/app.jar'], bytes: 4096, reason: 'beyond the newest 10' }] })
      if (method === 'PUT') return json(200, policy)
      return json(200, { items: [policy] })
    })
    wrap(<Lifecycle />)
    expect(await screen.findByText('keep the newest 10, older than 90d, only app-*')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Preview keep-10' })))
    expect(await screen.findByText('app/0.1/app.jar')).toBeTruthy()
    expect(screen.getByText('beyond the newest 10')).toBeTruthy()

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Edit keep-10' })))
    let dialog!: HTMLElement
    await waitFor(() => {
      dialog = screen.getAllByRole('dialog').find((d) => within(d).queryByLabelText('Older than'))!
      expect(dialog).toBeTruthy()
    })
    fireEvent.change(within(dialog).getByLabelText('Older than'), { target: { value: 'soon' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    expect(await within(dialog).findByText('A duration such as 30d or 720h')).toBeTruthy()
    expect(calls.some((c) => c.method === 'PUT')).toBe(false)
    fireEvent.change(within(dialog).getByLabelText('Older than'), { target: { value: '30d' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.url).toBe('/api/v1/lifecycle/policies/3')
    expect(put.body).toEqual({ name: 'keep-10', repository: 'libs', keep_last: 10, older_than: '30d', not_downloaded_for: '', include: 'app-*', exclude: '', enabled: true })
  })
})

describe('QuotaCard', () => {
  it('shows usage against the quota and saves a new one', async () => {
    let quota = { max_bytes: 0, warn_bytes: 0, used_bytes: 3 * 1024 * 1024, warning: false }
    const calls = stubFetch((method, _url, body) => {
      if (method === 'PUT') quota = { ...quota, ...(body as object), warning: true }
      return json(200, quota)
    })
    wrap(<QuotaCard repo="libs" />)
    expect(await screen.findByText('3.0 MiB used, no limit')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Edit quota' })))
    fireEvent.change(screen.getByLabelText('Hard limit (MiB)'), { target: { value: '4' } })
    fireEvent.change(screen.getByLabelText('Warning at (MiB)'), { target: { value: '2' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save quota' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ max_bytes: 4194304, warn_bytes: 2097152 })
    expect(await screen.findByText('3.0 MiB used of 4.0 MiB (warning at 2.0 MiB)')).toBeTruthy()
    expect(screen.getByText('The repository is past its warning size')).toBeTruthy()
  })
})
