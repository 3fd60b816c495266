// The lifecycle API's bodies (docs/lifecycle.md): cleanup policies, their
// dry-run report, and repository quotas.

export interface LifecyclePolicy {
  id: number
  name: string
  repository: string
  keep_last: number
  older_than: string
  not_downloaded_for: string
  include: string
  exclude: string
  enabled: boolean
  last_run_at?: string
  last_deleted: number
  last_error?: string
}
export interface Doomed {
  package: string
  version?: string
  paths: string[]
  bytes: number
  reason: string
}
export interface LifecycleReport {
  policy: string
  repository: string
  dry_run: boolean
  items: Doomed[]
  bytes: number
  truncated: boolean
  at: string
}
export interface Quota {
  max_bytes: number
  warn_bytes: number
  used_bytes?: number
  warning?: boolean
}

const DURATION = /^(\d+d|(\d+(\.\d+)?(h|m|s))+)$/

// durationError says what is wrong with a policy duration ('' is unset).
export function durationError(s: string): string {
  if (!s) return ''
  if (!DURATION.test(s)) return 'A duration such as 30d or 720h'
  return ''
}

// summary is a policy's rules in words, for the list.
export function summary(p: Pick<LifecyclePolicy, 'keep_last' | 'older_than' | 'not_downloaded_for' | 'include' | 'exclude'>): string {
  const parts: string[] = []
  if (p.keep_last) parts.push(`keep the newest ${p.keep_last}`)
  if (p.older_than) parts.push(`older than ${p.older_than}`)
  if (p.not_downloaded_for) parts.push(`not downloaded for ${p.not_downloaded_for}`)
  if (!p.older_than && !p.not_downloaded_for) parts.push(p.keep_last ? 'delete the rest' : 'delete every version')
  if (p.include) parts.push(`only ${p.include}`)
  if (p.exclude) parts.push(`except ${p.exclude}`)
  return parts.join(', ')
}

// policyBody is what create and update send: the form's values with
// defaults for the empty ones (the repository is fixed once created).
export function policyBody(v: Partial<LifecyclePolicy>): Omit<LifecyclePolicy, 'id' | 'last_deleted' | 'last_run_at' | 'last_error'> {
  return {
    name: (v.name ?? '').trim(),
    repository: v.repository ?? '',
    keep_last: Number(v.keep_last ?? 0),
    older_than: (v.older_than ?? '').trim(),
    not_downloaded_for: (v.not_downloaded_for ?? '').trim(),
    include: (v.include ?? '').trim(),
    exclude: (v.exclude ?? '').trim(),
    enabled: v.enabled ?? true,
  }
}

const MiB = 1024 * 1024

// toMiB and fromMiB convert quota sizes for the form (0 is none).
export const toMiB = (b: number) => Math.round((b / MiB) * 100) / 100
export const fromMiB = (m: number | null | undefined) => Math.round((m ?? 0) * MiB)

// usagePercent is used against the hard limit (0 when there is none).
export function usagePercent(q: Quota): number {
  if (!q.max_bytes) return 0
  return Math.min(100, Math.round(((q.used_bytes ?? 0) * 100) / q.max_bytes))
}
