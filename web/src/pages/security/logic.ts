// The logic of the security pages, kept apart from the components so it is
// unit tested: findings gathered across reports, their filters, the
// acknowledgements that hide them, and the forms' conversions.
import type { Finding, SecurityReport } from '../../api'
import { ApiError } from '../../api'
import type { QualityGate, ScanAck } from './types'

export const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const
export type Severity = (typeof severities)[number]
export const severityColor: Record<string, string> = { CRITICAL: 'magenta', HIGH: 'red', MEDIUM: 'orange', LOW: 'gold', UNKNOWN: 'default' }

// severityRank orders severities worst first (0 = CRITICAL).
export function severityRank(s: string): number {
  const i = severities.indexOf(s as Severity)
  return i < 0 ? severities.length : i
}

export interface ArtifactRef {
  repository: string
  path: string
}

// FindingRow is one vulnerability in one package version, with every
// artifact it was found in; open and acknowledged are separate rows.
export interface FindingRow extends Finding {
  key: string
  status: 'open' | 'acknowledged'
  artifacts: ArtifactRef[]
  repositories: string[]
}

// gatherFindings turns reports into finding rows: the same vulnerability
// in the same package version is one row per status, listing its artifacts.
export function gatherFindings(reports: SecurityReport[]): FindingRow[] {
  const rows = new Map<string, FindingRow>()
  const add = (r: SecurityReport, f: Finding, status: FindingRow['status']) => {
    const key = `${status}|${f.id}|${f.package}|${f.installed_version ?? ''}`
    let row = rows.get(key)
    if (!row) {
      row = { ...f, key, status, artifacts: [], repositories: [], sources: [...(f.sources ?? [])] }
      rows.set(key, row)
    }
    if (severityRank(f.severity) < severityRank(row.severity)) row.severity = f.severity
    for (const s of f.sources ?? []) if (!row.sources!.includes(s)) row.sources!.push(s)
    if (!row.artifacts.some((a) => a.repository === r.repository && a.path === r.path)) row.artifacts.push({ repository: r.repository, path: r.path })
    if (!row.repositories.includes(r.repository)) row.repositories.push(r.repository)
  }
  for (const r of reports) {
    for (const f of r.findings ?? []) add(r, f, 'open')
    for (const f of r.acknowledged ?? []) add(r, f, 'acknowledged')
  }
  return [...rows.values()].sort((a, b) => compareFindings(a, b) || a.status.localeCompare(b.status) * -1)
}

// compareFindings sorts worst severity first, then by id and package.
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id) || a.package.localeCompare(b.package)
}

export interface FindingFilter {
  severity?: string[]
  repository?: string
  status?: 'open' | 'acknowledged' | 'all'
  text?: string
}

// filterFindings keeps the rows every set filter accepts; text matches the
// id, aliases, package, title and artifact paths without case.
export function filterFindings(rows: FindingRow[], f: FindingFilter): FindingRow[] {
  const text = f.text?.trim().toLowerCase()
  const status = f.status ?? 'open'
  return rows.filter((r) => {
    if (status !== 'all' && r.status !== status) return false
    if (f.severity?.length && !f.severity.includes(r.severity)) return false
    if (f.repository && !r.repositories.includes(f.repository)) return false
    if (text) {
      const hay = [r.id, ...(r.aliases ?? []), r.package, r.title ?? '', ...r.artifacts.map((a) => a.path)].join('\n').toLowerCase()
      if (!hay.includes(text)) return false
    }
    return true
  })
}

// acksFor are the acknowledgements that hide row: its id or an alias, in
// one of its repositories or everywhere.
export function acksFor(row: Pick<FindingRow, 'id' | 'aliases' | 'repositories'>, acks: ScanAck[]): ScanAck[] {
  const ids = new Set([row.id, ...(row.aliases ?? [])].map((s) => s.toUpperCase()))
  return acks.filter((a) => ids.has(a.vulnerability_id.toUpperCase()) && (!a.repository || row.repositories.includes(a.repository)))
}

const day = 24 * 60 * 60 * 1000

// dateInput is a yyyy-mm-dd value for a date input, days from now.
export function dateInput(days: number, now = new Date()): string {
  return new Date(now.getTime() + days * day).toISOString().slice(0, 10)
}

// expiryError checks an acknowledgement's expiry date (yyyy-mm-dd): in the
// future and at most a year ahead, as the API requires; '' when fine.
export function expiryError(value: string, now = new Date()): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'Enter a date'
  const t = Date.parse(value + 'T23:59:59Z')
  if (Number.isNaN(t)) return 'Enter a date'
  if (t <= now.getTime()) return 'The date must be in the future'
  if (t > now.getTime() + 365 * day) return 'At most a year ahead'
  return ''
}

// expiryISO is the end of the given day (UTC) as the API's timestamp.
export function expiryISO(value: string): string {
  return new Date(value + 'T23:59:59Z').toISOString()
}

// fieldError splits an API validation error ("field: message") into the
// form field it names, when the form has that field.
export function fieldError(err: unknown, fields: string[]): { field?: string; message: string } {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof ApiError && err.code === 'invalid') {
    const i = message.indexOf(': ')
    if (i > 0 && fields.includes(message.slice(0, i))) return { field: message.slice(0, i), message: message.slice(i + 2) }
  }
  return { message }
}

// GateForm is the gate editor's state: blank bounds are no bound.
export interface GateForm {
  name: string
  min_grade?: string
  max_critical?: number | null
  max_high?: number | null
  deny_licenses?: string[]
}

// gateBody is what PUT /quality/gates/{name} takes from the form.
export function gateBody(f: GateForm): QualityGate {
  const g: QualityGate = { name: f.name.trim(), deny_licenses: (f.deny_licenses ?? []).map((s) => s.trim()).filter(Boolean) }
  if (f.min_grade) g.min_grade = f.min_grade as QualityGate['min_grade']
  if (f.max_critical !== undefined && f.max_critical !== null) g.max_critical = f.max_critical
  if (f.max_high !== undefined && f.max_high !== null) g.max_high = f.max_high
  return g
}

// gateRules describes a gate's rules in words ("none" without any).
export function gateRules(g: QualityGate): string[] {
  const out: string[] = []
  if (g.min_grade) out.push(`grade ${g.min_grade} or better`)
  if (g.max_critical !== undefined && g.max_critical !== null) out.push(`at most ${g.max_critical} critical`)
  if (g.max_high !== undefined && g.max_high !== null) out.push(`at most ${g.max_high} high`)
  if (g.deny_licenses?.length) out.push(`no ${g.deny_licenses.join(', ')}`)
  return out
}

// gateNameError checks a new gate's name as it appears in a URL path.
export function gateNameError(name: string): string {
  if (!name.trim()) return 'Enter a name'
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name.trim())) return 'Lower-case letters, digits, dot, dash and underscore (at most 64)'
  return ''
}
