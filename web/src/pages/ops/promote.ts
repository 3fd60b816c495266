import type { Repository } from '../../api'

// The promotion API (docs/promotion.md): POST /promote.
export interface PromoteRequest {
  from: string
  to: string
  paths: string[]
  move: boolean
  require?: string[]
  dry_run?: boolean
}
export interface PromoteResult {
  from: string
  to: string
  move: boolean
  dry_run: boolean
  files: string[]
  versions: string[]
  bytes: number
}

// promotable are the repositories an artifact of from may go to: local or
// staging, its format, not itself.
export function promotable(repos: Repository[], from: Repository): Repository[] {
  return repos.filter((r) => r.key !== from.key && r.format === from.format && (r.repo_type === 'local' || r.repo_type === 'staging'))
}

// promoteRequest builds the request from the dialog's values.
export function promoteRequest(from: string, path: string, v: { to: string; move?: boolean; require?: string }, dryRun: boolean): PromoteRequest {
  const require = (v.require ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean)
  return { from, to: v.to, paths: [path], move: !!v.move, ...(require.length ? { require } : {}), ...(dryRun ? { dry_run: true } : {}) }
}
