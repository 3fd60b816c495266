import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import type { Repository } from '../../api'
import { PromoteButton } from './PromoteButton'
import { promotable, promoteRequest } from './promote'
import { json, matchMedia, stubFetch, wrap } from './testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const repo = (key: string, format: string, repo_type: string) => ({ key, format, repo_type }) as Repository

describe('promote helpers', () => {
  it('offers local and staging repositories of the format, not the source', () => {
    const from = repo('stage', 'npm', 'staging')
    const all = [from, repo('rel', 'npm', 'local'), repo('st2', 'npm', 'staging'), repo('proxy', 'npm', 'remote'), repo('py', 'pypi', 'local')]
    expect(promotable(all, from).map((r) => r.key)).toEqual(['rel', 'st2'])
  })
  it('builds the request', () => {
    expect(promoteRequest('a', 'x/y.tgz', { to: 'b', move: true, require: 'qa.status:passed  os' }, false)).toEqual({
      from: 'a', to: 'b', paths: ['x/y.tgz'], move: true, require: ['qa.status:passed', 'os'],
    })
    expect(promoteRequest('a', 'p', { to: 'b' }, true)).toEqual({ from: 'a', to: 'b', paths: ['p'], move: false, dry_run: true })
  })
})

describe('PromoteButton', () => {
  it('promotes to the chosen repository and shows the refusal reason', async () => {
    let refuse = false
    const calls = stubFetch((method, url) => {
      if (method === 'POST') {
        if (refuse) return json(409, { error: { code: 'conflict', message: 'rel already has x/y.tgz' } })
        return json(200, { from: 'stage', to: 'rel', move: false, dry_run: false, files: ['x/y.tgz'], versions: [], bytes: 2048 })
      }
      if (url.startsWith('/api/v1/repositories?')) return json(200, { items: [repo('stage', 'npm', 'staging'), repo('rel', 'npm', 'local')] })
      return json(200, repo('stage', 'npm', 'staging'))
    })
    wrap(<PromoteButton repo="stage" path="x/y.tgz" />)
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Promote' })))
    const dialog = await screen.findByRole('dialog')
    await waitFor(() => expect(calls.some((c) => c.url.startsWith('/api/v1/repositories?'))).toBe(true))
    await act(async () => fireEvent.mouseDown(within(dialog).getByLabelText('Target repository')))
    await act(async () => fireEvent.click(await screen.findByText('rel (local)')))
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Promote' })))
    expect(await within(dialog).findByText('Copied 1 file(s) to rel')).toBeTruthy()
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ from: 'stage', to: 'rel', paths: ['x/y.tgz'], move: false })
    refuse = true
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Promote' })))
    expect(await within(dialog).findByText('rel already has x/y.tgz')).toBeTruthy()
  })
})
