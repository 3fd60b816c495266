// The REST API client: every call goes to a documented /api/v1 route.
//
// Sessions: the access token (a short-lived JWT) lives only in memory; the
// refresh token is kept in sessionStorage, so a reload of the tab signs in
// again without a password, closing the tab forgets it, other tabs and
// sites never see it, and no cookie is sent automatically (no CSRF). A 401
// "token_expired" refreshes once (one refresh at a time) and retries.

export interface Session {
  access_token: string
  refresh_token: string
  expires_in: number
  token_type: string
}

export class ApiError extends Error {
  status: number
  code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

const REFRESH_KEY = 'keeper.refresh'

let access = ''
let refreshing: Promise<boolean> | null = null
const listeners = new Set<() => void>()

export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

function notify() {
  listeners.forEach((fn) => fn())
}

export function accessToken(): string {
  return access
}

export function setSession(s: Session | null) {
  access = s?.access_token ?? ''
  if (s?.refresh_token) sessionStorage.setItem(REFRESH_KEY, s.refresh_token)
  else if (!s) sessionStorage.removeItem(REFRESH_KEY)
  notify()
}

// claims decodes the JWT payload for display decisions only (the server
// checks every request): the subject and whether a password change is due.
export function claims(token = access): { sub?: string; pwc?: boolean; exp?: number } {
  const part = token.split('.')[1]
  if (!part) return {}
  try {
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return {}
  }
}

// refresh exchanges the stored refresh token for a new session.
export function refresh(): Promise<boolean> {
  const rt = sessionStorage.getItem(REFRESH_KEY)
  if (!rt) return Promise.resolve(false)
  if (!refreshing) {
    refreshing = fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: rt }),
    })
      .then(async (r) => {
        if (!r.ok) {
          setSession(null)
          return false
        }
        setSession((await r.json()) as Session)
        return true
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

export interface CallOptions {
  method?: string
  body?: unknown
  raw?: BodyInit
  query?: Record<string, string | number | boolean | undefined>
  blob?: boolean
}

export function url(path: string, query?: CallOptions['query']): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== '') q.set(k, String(v))
  }
  const qs = q.toString()
  return '/api/v1' + path + (qs ? '?' + qs : '')
}

async function send(path: string, o: CallOptions): Promise<Response> {
  const headers: Record<string, string> = {}
  if (access) headers.Authorization = 'Bearer ' + access
  let body: BodyInit | undefined = o.raw
  if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(o.body)
  }
  return fetch(url(path, o.query), { method: o.method ?? 'GET', headers, body })
}

export async function api<T = unknown>(path: string, o: CallOptions = {}): Promise<T> {
  let r = await send(path, o)
  if (r.status === 401 && access && (await refresh())) r = await send(path, o)
  if (!r.ok) {
    let code = 'error'
    let message = r.statusText || 'request failed'
    try {
      const e = (await r.json()) as { error?: { code: string; message: string } }
      if (e.error) ({ code, message } = e.error)
    } catch {
      /* not JSON */
    }
    if (r.status === 401 && access) setSession(null)
    throw new ApiError(r.status, code, message)
  }
  if (o.blob) return (await r.blob()) as T
  if (r.status === 204) return undefined as T
  const text = await r.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export async function login(username: string, password: string, totp?: string): Promise<Session> {
  const s = await api<Session>('/auth/login', { method: 'POST', body: { username, password, totp: totp || undefined } })
  setSession(s)
  return s
}

export async function logout() {
  try {
    if (access) await api('/auth/logout', { method: 'POST' })
  } finally {
    setSession(null)
  }
}

// Types of the API bodies the pages use (see /api/v1/openapi.json).
export interface List<T> {
  items: T[]
  total?: number
  offset?: number
  limit?: number
}
export interface Member {
  repo_key: string
  priority: number
}
export interface Repository {
  id: number
  key: string
  name: string
  format: string
  repo_type: string
  is_public: boolean
  description: string
  upstream_url: string
  allow_overwrite: boolean
  config?: Record<string, string>
  secrets_set?: string[]
  member_repos?: Member[]
  created_at: string
}
// SystemStats are the dashboard figures (GET /system/stats) over the
// repositories the caller may read.
export interface SystemStats {
  repositories: number
  by_format: Record<string, number>
  by_type: Record<string, number>
  artifacts: number
  storage_bytes: number
}
// DownloadStats are download counts (GET /stats/downloads, /stats/downloads/top):
// each row carries the fields of its grouping.
export interface DownloadRow {
  day?: string
  repository?: string
  path?: string
  user?: string
  downloads: number
  bytes: number
}
export interface DownloadStats {
  group_by: string
  from: string
  to: string
  rows: DownloadRow[]
}
export interface Artifact {
  path: string
  size: number
  content_type: string
  checksum_sha256: string
  checksum_sha1: string
  checksum_md5: string
  download_url: string
  created_at: string
}
export interface Format {
  key: string
  display_name: string
  plugin_id: string
}
export interface Plugin {
  id: string
  name: string
  version: string
  format: string
  display_name: string
  description: string
  status: string
  enabled: boolean
  built_in: boolean
  contract_version: string
  capabilities: string[]
  last_error: string
  stats?: Record<string, unknown>
  updated_at: string
}
export interface PolicyRule {
  kind: 'p' | 'g'
  subject: string
  object: string
  action?: string
  effect?: 'allow' | 'deny'
}
export interface User {
  id: number
  username: string
  email: string
  display_name: string
  is_admin: boolean
  disabled: boolean
  must_change_password: boolean
  service_account: boolean
  groups: string[]
  created_at: string
}
export interface Group {
  id: number
  name: string
  description: string
  members: number[]
}
export interface TokenInfo {
  id: number
  name: string
  prefix: string
  scopes: string[]
  repositories: string[] | null
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  created_at: string
}
export interface Me {
  id: number
  username: string
  is_admin: boolean
}
// Security (GET /security/dashboard, /security/scores, /security/findings;
// administrators only): scan reports, scores and A–F grades.
export interface SeverityCounts {
  critical: number
  high: number
  medium: number
  low: number
  unknown: number
}
export interface Finding {
  id: string
  aliases?: string[]
  package: string
  installed_version?: string
  fixed_version?: string
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN'
  title?: string
  sources?: string[]
}
export type ScanStatus = 'pending' | 'running' | 'done' | 'failed' | 'not_scanned'
export interface SecurityReport {
  repository: string
  path: string
  sha256: string
  status: ScanStatus
  scanners: string[] | null
  error?: string
  scanned_at?: string
  findings: Finding[]
  acknowledged: Finding[]
  counts: SeverityCounts
  score: number
  grade: string
  download: { allowed: boolean; reason?: string; quarantined: boolean }
}
export interface RepositoryScore {
  repository: string
  score: number
  grade: string
  scanned: number
  not_scanned: number
  quarantined: number
  open_findings: SeverityCounts
}
export interface SecurityDashboard {
  queue: Record<string, number>
  repositories: RepositoryScore[]
  open_findings: SeverityCounts
  truncated: boolean
}
