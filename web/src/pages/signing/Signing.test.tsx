import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import Signing from './Signing'
import { createBody, fingerprintGroups, reposByKey } from './signing'
import { json, matchMedia, stubFetch, wrap } from '../ops/testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

describe('signing helpers', () => {
  it('builds the create body', () => {
    expect(createBody({ mode: 'generate', name: ' apt ', algorithm: 'rsa4096', email: ' a@b ' })).toEqual({ name: 'apt', algorithm: 'rsa4096', email: 'a@b' })
    expect(createBody({ mode: 'generate', name: 'x' })).toEqual({ name: 'x', algorithm: 'ed25519' })
    expect(createBody({ mode: 'import', name: 'x', algorithm: 'rsa3072', private_key: 'ARMOR' })).toEqual({ name: 'x', private_key: 'ARMOR' })
  })
  it('groups repositories by key and writes fingerprints in groups', () => {
    const m = reposByKey([
      { repository: 'rpm', key_id: 'k1' },
      { repository: 'apt', key_id: 'k1' },
      { repository: 'apk', key_id: 'k2' },
    ])
    expect(m.get('k1')).toEqual(['apt', 'rpm'])
    expect(m.get('k2')).toEqual(['apk'])
    expect(fingerprintGroups('0123456789abcdef0123')).toBe('0123 4567 89AB CDEF 0123')
  })
})

const key = (id: string, name: string, status = 'active') => ({
  id,
  name,
  algorithm: 'ed25519',
  fingerprint: 'aaaabbbbccccddddeeeeffff0000111122223333',
  user_id: `${name} <signing@keeper.invalid>`,
  status,
  public_key: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n${name}\n-----END PGP PUBLIC KEY BLOCK-----`,
  created_by: 'admin',
  created_at: '2026-12-07T08:00:00Z',
  updated_at: '2026-12-07T08:00:00Z',
  replaced_by: '',
})

describe('Signing', () => {
  it('generates a key, lists the repositories it signs, shows its public part, rotates, revokes and deletes', async () => {
    let keys = [key('k1', 'apt-11112222', 'active')]
    let assigned = [{ repository: 'debian', key_id: 'k1' }]
    const calls = stubFetch((method, url, body) => {
      if (method === 'POST' && url === '/api/v1/signing/keys') {
        const k = key('k2', `${(body as { name: string }).name}-33334444`)
        keys = [...keys, k]
        return json(201, k)
      }
      if (method === 'POST' && url.endsWith('/rotate')) {
        keys = [{ ...keys[0], status: 'retired', replaced_by: 'k3' }, keys[1], key('k3', 'apt-55556666')]
        assigned = [{ repository: 'debian', key_id: 'k3' }]
        return json(201, keys[2])
      }
      if (method === 'POST' && url.endsWith('/revoke')) {
        keys = keys.map((k) => (k.id === 'k3' ? { ...k, status: 'revoked' } : k))
        assigned = []
        return json(200, keys[2])
      }
      if (method === 'DELETE') {
        keys = keys.filter((k) => k.id !== 'k2')
        return json(204, null)
      }
      if (method === 'PUT') return json(200, body)
      if (url === '/api/v1/signing/repositories') return json(200, { items: assigned })
      return json(200, { items: keys })
    })
    wrap(<Signing />)
    const table = await screen.findByRole('table', { name: 'Signing keys' })
    const row = (name: string) => within(table).getByText(name).closest('tr') as HTMLElement
    await waitFor(() => expect(within(row('apt-11112222')).getByText('debian')).toBeTruthy())

    // Generate an rsa4096 key.
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'rpm' } })
    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'rsa4096' })))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Generate key' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/signing/keys')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: 'rpm', algorithm: 'rsa4096' })
    expect(await within(table).findByText('rpm-33334444')).toBeTruthy()
    expect(within(row('rpm-33334444')).getByText('no repository')).toBeTruthy()

    // The public part, with the full fingerprint, and assigning a repository.
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Public key of rpm-33334444' })))
    const dialog = await screen.findByRole('dialog')
    expect(within(dialog).getByTestId('fingerprint').textContent).toContain('AAAA BBBB CCCC DDDD EEEE FFFF 0000 1111 2222 3333')
    expect(within(dialog).getByLabelText('Public key').textContent).toContain('BEGIN PGP PUBLIC KEY BLOCK')
    expect(within(dialog).getAllByRole('button', { name: /copy/i }).length).toBeGreaterThanOrEqual(2)
    expect(within(dialog).getByText('Download rpm-33334444.asc').getAttribute('href')).toBe('/api/v1/signing/keys/k2/public')
    fireEvent.change(within(dialog).getByLabelText('Repository to sign'), { target: { value: 'rpms' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Sign it' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && c.url === '/api/v1/signing/repositories/rpms/config')).toBe(true))
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ key_id: 'k2' })
    await act(async () => fireEvent.click(within(dialog).getAllByRole('button', { name: 'Close' }).at(-1)!))

    // Rotate after the confirmation: the old key is retired, the new one signs its repository.
    await act(async () => fireEvent.click(within(row('apt-11112222')).getByRole('button', { name: 'Rotate apt-11112222' })))
    await act(async () => fireEvent.click(within(await screen.findByRole('tooltip')).getByRole('button', { name: 'Rotate' })))
    await waitFor(() => expect(within(table).queryByText('apt-55556666')).toBeTruthy())
    await waitFor(() => expect(within(row('apt-55556666')).getByText('debian')).toBeTruthy())
    expect(within(row('apt-11112222')).getByText('retired')).toBeTruthy()
    expect(within(row('apt-11112222')).getByText('replaced by apt-55556666')).toBeTruthy()

    // Revoke the new one.
    await act(async () => fireEvent.click(within(row('apt-55556666')).getByRole('button', { name: 'Revoke apt-55556666' })))
    const tips = await screen.findAllByRole('tooltip')
    await act(async () => fireEvent.click(within(tips[tips.length - 1]).getByRole('button', { name: 'Revoke' })))
    await waitFor(() => expect(within(row('apt-55556666')).getByText('revoked')).toBeTruthy())
    expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/signing/keys/k3/revoke')).toBe(true)

    // Delete asks first.
    await act(async () => fireEvent.click(within(row('rpm-33334444')).getByRole('button', { name: 'Delete rpm-33334444' })))
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
    const confirm = (await screen.findAllByText('Delete signing key rpm-33334444?', {}, { timeout: 5000 }))[0].closest('.ant-modal') as HTMLElement
    await act(async () => fireEvent.click(within(confirm).getByRole('button', { name: 'Delete' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/v1/signing/keys/k2')).toBe(true))
    await waitFor(() => expect(within(table).queryByText('rpm-33334444')).toBeNull())
  })

  it('imports an armored key and shows the refusal', async () => {
    const calls = stubFetch((method) => {
      if (method === 'POST') return json(400, { error: { code: 'invalid', message: 'signing: the key is passphrase-protected' } })
      return json(200, { items: [] })
    })
    wrap(<Signing />)
    expect(await screen.findByText('No signing keys yet')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'Import' })))
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'old' } })
    fireEvent.change(await screen.findByLabelText('Armored private key'), { target: { value: '-----BEGIN PGP PRIVATE KEY BLOCK-----' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Import key' })))
    expect((await screen.findByRole('alert')).textContent).toContain('passphrase-protected')
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: 'old', private_key: '-----BEGIN PGP PRIVATE KEY BLOCK-----' })
  })
})
