// The peer, sync-policy and replication-status API (docs/replication.md).
// A peer's API key is write-only: it is sent, never read back.

export interface Peer {
  id: number
  name: string
  endpoint_url: string
  instance_id: string
  remote_name: string
  online: boolean
  last_seen_at?: string
  last_error?: string
  max_bytes_per_second: number
  created_at: string
}
export interface SyncPolicy {
  id: number
  name: string
  repo_selector: { keys?: string[]; patterns?: string[]; formats?: string[]; labels?: string[] }
  peer_selector: { all?: boolean; ids?: number[]; labels?: string[] }
  replication_mode: 'push' | 'pull' | 'mirror'
  priority: 'immediate' | 'scheduled' | 'on_demand'
  schedule_every?: string
  schedule_cron?: string
  delete_repositories?: boolean
  sync_window?: string
  enabled: boolean
}
export interface ReplicationStatus {
  peers?: { peer_id: number; bytes_needed: number; bytes_sent: number; files_sent: number; files_skipped: number; deletes: number; failures: number }[]
  tasks?: { id: number; peer_id: number; repository: string; path: string; held: boolean; due_at: string; attempts: number; last_error?: string }[]
}

// The dialog's flat values of a sync policy.
export interface PolicyForm {
  name: string
  keys?: string[]
  patterns?: string[]
  formats?: string[]
  repo_labels?: string[]
  all_peers?: boolean
  peer_ids?: number[]
  peer_labels?: string[]
  replication_mode: SyncPolicy['replication_mode']
  priority: SyncPolicy['priority']
  schedule_kind?: 'every' | 'cron'
  schedule?: string
  sync_window?: string
  delete_repositories?: boolean
  enabled?: boolean
}

const WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/

// windowError says what is wrong with a sync window ('' is always).
export function windowError(s: string): string {
  return !s || WINDOW.test(s) ? '' : 'HH:MM-HH:MM in UTC, e.g. 22:00-06:00'
}

// cronError checks the shape of a 5-field cron expression (the server
// checks the fields' ranges).
export function cronError(s: string): string {
  return s.trim().split(/\s+/).length === 5 ? '' : 'Five fields: minute hour day month weekday'
}

// policyBody turns the dialog's values into the API's body: a schedule only
// for a scheduled policy, one of every or cron.
export function policyBody(v: PolicyForm): Omit<SyncPolicy, 'id'> {
  const scheduled = v.priority === 'scheduled'
  const sched = (v.schedule ?? '').trim()
  return {
    name: v.name.trim(),
    repo_selector: { keys: v.keys ?? [], patterns: v.patterns ?? [], formats: v.formats ?? [], labels: v.repo_labels ?? [] },
    peer_selector: v.all_peers ? { all: true } : { ids: v.peer_ids ?? [], labels: v.peer_labels ?? [] },
    replication_mode: v.replication_mode,
    priority: v.priority,
    schedule_every: scheduled && v.schedule_kind !== 'cron' ? sched : '',
    schedule_cron: scheduled && v.schedule_kind === 'cron' ? sched : '',
    sync_window: (v.sync_window ?? '').trim(),
    delete_repositories: !!v.delete_repositories,
    enabled: v.enabled ?? true,
  }
}

// policyForm is the dialog's values of an existing policy.
export function policyForm(p: SyncPolicy): PolicyForm {
  return {
    name: p.name,
    keys: p.repo_selector.keys ?? [],
    patterns: p.repo_selector.patterns ?? [],
    formats: p.repo_selector.formats ?? [],
    repo_labels: p.repo_selector.labels ?? [],
    all_peers: !!p.peer_selector.all,
    peer_ids: p.peer_selector.ids ?? [],
    peer_labels: p.peer_selector.labels ?? [],
    replication_mode: p.replication_mode,
    priority: p.priority,
    schedule_kind: p.schedule_cron ? 'cron' : 'every',
    schedule: p.schedule_cron || p.schedule_every || '',
    sync_window: p.sync_window ?? '',
    delete_repositories: !!p.delete_repositories,
    enabled: p.enabled,
  }
}

// selectorText is a policy's repository selection in words.
export function selectorText(s: SyncPolicy['repo_selector']): string {
  const parts = [...(s.keys ?? []), ...(s.patterns ?? []), ...(s.formats ?? []).map((f) => `format ${f}`), ...(s.labels ?? []).map((l) => `label ${l}`)]
  return parts.length ? parts.join(', ') : 'every local repository'
}

// scheduleText is when a policy's transfers run.
export function scheduleText(p: SyncPolicy): string {
  const when =
    p.priority === 'scheduled' ? (p.schedule_cron ? `cron ${p.schedule_cron}` : `every ${p.schedule_every}`) : p.priority === 'on_demand' ? 'on demand' : 'immediately'
  return p.sync_window ? `${when}, within ${p.sync_window} UTC` : when
}
