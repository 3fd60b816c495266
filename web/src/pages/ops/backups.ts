// The backup API's bodies (docs/backup.md) and the merge of this server's
// jobs with the complete backups of the target into one list of rows.

export interface BackupProgress {
  phase: string
  tables: number
  tables_done: number
  rows: number
  blobs_total: number
  blobs_done: number
  blobs_copied: number
  blobs_skipped: number
  bytes_total: number
  bytes_done: number
  bytes_copied: number
}
export interface BackupCopied {
  blobs: number
  bytes: number
  skipped: number
  skipped_bytes: number
}
export interface BackupJob {
  id: string
  state: 'running' | 'done' | 'failed'
  started_at: string
  finished_at?: string
  error?: string
  progress: BackupProgress
  copied?: BackupCopied
}
export interface BackupSummary {
  id: string
  started_at: string
  finished_at: string
  keeper_version: string
  database: string
  secrets_key_included: boolean
  tables: number
  rows: number
  blobs: number
  bytes: number
  copied: BackupCopied
}
export interface BackupList {
  jobs: BackupJob[]
  backups: BackupSummary[]
}

export type BackupStatus = 'running' | 'failed' | 'complete'

export interface BackupRow {
  id: string
  started_at: string
  finished_at?: string
  status: BackupStatus
  // bytes and blobs of the whole backup (complete) or the job's totals so far
  bytes: number
  blobs: number
  blobs_copied: number
  percent?: number
  phase?: string
  error?: string
}

// percent is a running job's progress: bytes when the blob list is known,
// else tables.
export function percent(p: BackupProgress): number {
  if (p.bytes_total > 0) return Math.min(100, Math.floor((p.bytes_done * 100) / p.bytes_total))
  if (p.blobs_total > 0) return Math.min(100, Math.floor((p.blobs_done * 100) / p.blobs_total))
  if (p.tables > 0) return Math.min(99, Math.floor((p.tables_done * 100) / p.tables / 2))
  return 0
}

// backupRows lists every backup once, newest first: a complete backup from
// the target wins over the job that wrote it; a running or failed job shows
// as such; a job that is done but not (yet) listed in the target counts as
// complete with its own figures.
export function backupRows(l: BackupList): BackupRow[] {
  const rows = new Map<string, BackupRow>()
  for (const b of l.backups ?? []) {
    rows.set(b.id, {
      id: b.id,
      started_at: b.started_at,
      finished_at: b.finished_at,
      status: 'complete',
      bytes: b.bytes,
      blobs: b.blobs,
      blobs_copied: b.copied?.blobs ?? 0,
    })
  }
  for (const j of l.jobs ?? []) {
    if (rows.has(j.id)) continue
    rows.set(j.id, {
      id: j.id,
      started_at: j.started_at,
      finished_at: j.finished_at,
      status: j.state === 'done' ? 'complete' : j.state,
      bytes: j.progress.bytes_total,
      blobs: j.progress.blobs_total,
      blobs_copied: j.copied?.blobs ?? j.progress.blobs_copied,
      percent: j.state === 'running' ? percent(j.progress) : undefined,
      phase: j.state === 'running' ? j.progress.phase : undefined,
      error: j.error,
    })
  }
  return [...rows.values()].sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0))
}

// restoreCommand is the shell command that restores backup id into a new,
// empty instance (docs/backup.md).
export function restoreCommand(id: string): string {
  return `keeper restore --from <backup.target> --id ${id} --config new.yaml`
}
