// The curation API's bodies (docs/curation.md) and the conversions between
// a rule set and the page's form.

export interface CurationRules {
  block: string[] | null
  allow: string[] | null
  deny_licenses: string[] | null
  min_age_seconds: number
  max_severity: string
  malicious?: boolean
  updated_at?: string
}

export interface MaliciousPackage {
  id: number
  name: string
  versions: string[] | null
  reason: string
  source: string
  added_by: string
  added_at: string
}

export interface CurationBlock {
  id: number
  repository: string
  path: string
  package: string
  version: string
  rule: string
  reason: string
  at: string
}

export interface BlockList {
  items: CurationBlock[]
  next_before?: number
}

// RuleValues is the form: lists as text, one entry a line; the age in days.
export interface RuleValues {
  block: string
  allow: string
  deny_licenses: string
  min_age_days: number | null
  max_severity: string
  malicious: boolean
}

// lines splits a text area into its non-empty, trimmed lines.
export function lines(s: string | undefined): string[] {
  return (s ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

export function toValues(r: CurationRules): RuleValues {
  return {
    block: (r.block ?? []).join('\n'),
    allow: (r.allow ?? []).join('\n'),
    deny_licenses: (r.deny_licenses ?? []).join('\n'),
    min_age_days: r.min_age_seconds ? r.min_age_seconds / 86400 : null,
    max_severity: r.max_severity ?? '',
    malicious: r.malicious !== false,
  }
}

// toRules is the PUT body of the form's values; the age is rounded to a second.
export function toRules(v: RuleValues): Omit<CurationRules, 'updated_at'> {
  return {
    block: lines(v.block),
    allow: lines(v.allow),
    deny_licenses: lines(v.deny_licenses),
    min_age_seconds: v.min_age_days ? Math.round(v.min_age_days * 86400) : 0,
    max_severity: v.max_severity ?? '',
    malicious: v.malicious,
  }
}

// summary describes a rule set in a few words ("" when it refuses nothing
// beyond the default malicious list).
export function summary(r: CurationRules): string[] {
  const out: string[] = []
  if (r.block?.length) out.push(`blocks ${r.block.join(', ')}`)
  if (r.allow?.length) out.push(`allows ${r.allow.join(', ')}`)
  if (r.deny_licenses?.length) out.push(`denies ${r.deny_licenses.join(', ')}`)
  if (r.min_age_seconds) out.push(`minimum age ${formatAge(r.min_age_seconds)}`)
  if (r.max_severity) out.push(`severity above ${r.max_severity} refused`)
  if (r.malicious === false) out.push('malicious list off')
  return out
}

export function formatAge(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} d`
  if (s % 3600 === 0) return `${s / 3600} h`
  return `${s} s`
}

export const ruleColor: Record<string, string> = {
  block: 'volcano',
  malicious: 'red',
  license: 'purple',
  min_age: 'gold',
  severity: 'magenta',
}
