import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { PropertiesCard } from './PropertiesCard'
import PropertySearch from './PropertySearch'
import { cleanValues, keyError, parseQuery, propertiesPath, searchLink, setChange } from './properties'
import { json, matchMedia, stubFetch, wrap } from './testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

describe('properties helpers', () => {
  it('checks keys as the server does', () => {
    expect(keyError('qa.status')).toBe('')
    expect(keyError('')).not.toBe('')
    expect(keyError('a:b')).not.toBe('')
    expect(keyError('x'.repeat(129))).not.toBe('')
  })
  it('builds changes: set replaces, a rename removes the old key', () => {
    expect(cleanValues([' a', 'a', '', 'b'])).toEqual(['a', 'b'])
    expect(setChange('os', ['linux', 'darwin'])).toEqual({ set: { os: ['linux', 'darwin'] } })
    expect(setChange('os', ['linux'], 'platform')).toEqual({ set: { os: ['linux'] }, remove: ['platform'] })
    expect(setChange('os', ['linux'], 'os')).toEqual({ set: { os: ['linux'] } })
  })
  it('escapes paths and builds search links', () => {
    expect(propertiesPath('libs', 'a b/c.jar')).toBe('/repositories/libs/properties/a%20b/c.jar')
    expect(propertiesPath('libs')).toBe('/repositories/libs/properties')
    expect(searchLink('qa.status', 'passed')).toBe('/search/properties?property=qa.status%3Apassed')
    expect(parseQuery(' os:linux, qa ')).toEqual(['os:linux', 'qa'])
  })
})

describe('PropertiesCard', () => {
  it('shows an artifact’s properties, adds one and deletes one', async () => {
    let props: Record<string, string[]> = { os: ['linux', 'darwin'] }
    const calls = stubFetch((method, _url, body) => {
      if (method === 'PATCH') {
        const b = body as { set?: Record<string, string[]>; remove?: string[] }
        props = { ...props, ...(b.set ?? {}) }
        for (const k of b.remove ?? []) delete props[k]
      }
      return json(200, { properties: props })
    })
    wrap(<PropertiesCard repo="libs" path="app/1.0/app.jar" />)
    expect(await screen.findByText('darwin')).toBeTruthy()
    expect(screen.getByLabelText('Find artifacts with os=linux').getAttribute('href')).toBe('/search/properties?property=os%3Alinux')
    expect(calls[0].url).toBe('/api/v1/repositories/libs/properties/app/1.0/app.jar')

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add property' })))
    const dialog = await screen.findByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText('Key'), { target: { value: 'qa.status' } })
    const values = within(dialog).getByLabelText('Values')
    fireEvent.change(values, { target: { value: 'passed' } })
    fireEvent.keyDown(values, { key: 'Enter', code: 'Enter', keyCode: 13 })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ set: { 'qa.status': ['passed'] } })
    expect(await screen.findByLabelText('Find artifacts with qa.status=passed')).toBeTruthy()

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete property os' })))
    expect((await screen.findAllByText('Delete property os?')).length).toBeGreaterThan(0)
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete' })))
    await waitFor(() => expect(screen.queryByText('darwin')).toBeNull())
    expect(calls.filter((c) => c.method === 'PATCH')[1].body).toEqual({ remove: ['os'] })
  })
  it('refuses a bad key before asking the server', async () => {
    const calls = stubFetch(() => json(200, { properties: {} }))
    wrap(<PropertiesCard repo="libs" />)
    expect(await screen.findByText('No properties on this repository')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add property' })))
    const dialog = await screen.findByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText('Key'), { target: { value: 'bad:key' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    expect(await within(dialog).findByText(/Letters, digits/)).toBeTruthy()
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false)
  })
})

describe('PropertySearch', () => {
  it('searches by the conditions typed', async () => {
    const calls = stubFetch(() => json(200, { items: [{ repository: 'libs', path: 'app/1.0/app.jar', properties: { 'qa.status': ['passed'] } }] }))
    wrap(<PropertySearch />)
    expect(await screen.findByText('Give a property to search for')).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Properties'), { target: { value: 'qa.status:passed os:linux' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Search' })))
    expect(await screen.findByText('app/1.0/app.jar')).toBeTruthy()
    expect(calls[0].url).toBe('/api/v1/search/properties?property=qa.status%3Apassed&property=os%3Alinux&limit=50')
  })
})
