import { act, fireEvent, screen, waitFor } from '@testing-library/react'
import Backups from './Backups'
import { backupRows, percent, restoreCommand, type BackupList } from './backups'
import { json, matchMedia, stubFetch, wrap } from './testutil'

beforeAll(matchMedia)
// The shared CI machine may be slow: these tests render whole antd forms.
vi.setConfig({ testTimeout: 240000 })
afterEach(() => vi.unstubAllGlobals())

const progress = { phase: 'blobs', tables: 20, tables_done: 20, rows: 90, blobs_total: 10, blobs_done: 5, blobs_copied: 5, blobs_skipped: 0, bytes_total: 1000, bytes_done: 250, bytes_copied: 250 }
const copied = { blobs: 3, bytes: 300, skipped: 7, skipped_bytes: 700 }
const complete = { id: 'b1', started_at: '2026-12-07T01:00:00Z', finished_at: '2026-12-07T01:00:05Z', keeper_version: 'dev', database: 'sqlite', secrets_key_included: false, tables: 20, rows: 90, blobs: 10, bytes: 1000, copied }

describe('backupRows', () => {
  it('lists a complete backup once, a running job with its progress, newest first', () => {
    const l: BackupList = {
      backups: [complete],
      jobs: [
        { id: 'b1', state: 'done', started_at: complete.started_at, progress, copied },
        { id: 'b2', state: 'running', started_at: '2026-12-07T02:00:00Z', progress },
        { id: 'b0', state: 'failed', started_at: '2026-12-07T00:00:00Z', progress, error: 'the target is full' },
      ],
    }
    const rows = backupRows(l)
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['b2', 'running'],
      ['b1', 'complete'],
      ['b0', 'failed'],
    ])
    expect(rows[0].percent).toBe(25)
    expect(rows[1].blobs_copied).toBe(3)
    expect(rows[2].error).toBe('the target is full')
  })
  it('measures progress by bytes, then blobs, then tables', () => {
    expect(percent({ ...progress, bytes_total: 0 })).toBe(50)
    expect(percent({ ...progress, bytes_total: 0, blobs_total: 0, tables_done: 10 })).toBe(25)
    expect(percent({ ...progress, bytes_total: 0, blobs_total: 0, tables: 0 })).toBe(0)
  })
  it('names the backup in the restore command', () => {
    expect(restoreCommand('b1')).toContain('--id b1')
    expect(restoreCommand('b1')).toMatch(/^keeper restore --from /)
  })
})

describe('Backups', () => {
  it('starts a backup and follows it to complete', async () => {
    let state: 'none' | 'running' | 'done' = 'none'
    const calls = stubFetch((method) => {
      if (method === 'POST') {
        state = 'running'
        return json(202, { id: 'b9', state: 'running', started_at: '2026-12-07T03:00:00Z', progress })
      }
      if (state === 'running') {
        return json(200, { jobs: [{ id: 'b9', state: 'running', started_at: '2026-12-07T03:00:00Z', progress }], backups: [] })
      }
      if (state === 'done') return json(200, { jobs: [], backups: [{ ...complete, id: 'b9' }] })
      return json(200, { jobs: [], backups: [] })
    })
    wrap(<Backups />)
    expect(await screen.findByText('No backups yet: start one')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Start backup' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/admin/backups')).toBe(true))
    expect(await screen.findByLabelText('Progress of b9', {}, { timeout: 5000 })).toBeTruthy()
    state = 'done'
    expect(await screen.findByTestId('backup-status-b9', {}, { timeout: 5000 })).toBeTruthy()
    expect(screen.getByTestId('backup-status-b9').textContent).toBe('complete')
  })
  it('says when no backup target is configured', async () => {
    stubFetch(() => json(409, { error: { code: 'conflict', message: 'no backup target is configured: set backup.target (KEEPER_BACKUP_TARGET)' } }))
    wrap(<Backups />)
    expect(await screen.findByText('No backup target')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Start backup' }).hasAttribute('disabled')).toBe(true)
  })
})
