import { describe, expect, it } from 'vitest'
import type { SecurityReport } from '../../api'
import { ApiError } from '../../api'
import { acksFor, dateInput, expiryError, expiryISO, fieldError, filterFindings, gateBody, gateNameError, gateRules, gatherFindings } from './logic'

const report = (repository: string, path: string, findings: SecurityReport['findings'], acknowledged: SecurityReport['findings'] = []) =>
  ({ repository, path, findings, acknowledged }) as SecurityReport

const high = { id: 'CVE-2099-0003', aliases: ['GHSA-x'], package: 'com.example:vuln-demo', installed_version: '1.0.0', fixed_version: '1.1.0', severity: 'HIGH' as const, sources: ['trivy'] }
const crit = { id: 'CVE-2099-0002', package: 'keeper-vuln-npm', installed_version: '1.0.0', severity: 'CRITICAL' as const, sources: ['grype'] }

describe('gatherFindings', () => {
  const rows = gatherFindings([
    report('mvn', 'a/1.0.0/a.jar', [high]),
    report('mvn2', 'a/1.0.0/a.jar', [{ ...high, sources: ['grype'] }]),
    report('js', 'n.tgz', [crit]),
    report('old', 'x.jar', [], [high]),
  ])
  it('merges one vulnerability across artifacts, worst first, open before acknowledged', () => {
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['CVE-2099-0002', 'open'],
      ['CVE-2099-0003', 'open'],
      ['CVE-2099-0003', 'acknowledged'],
    ])
    const open = rows[1]
    expect(open.artifacts).toEqual([
      { repository: 'mvn', path: 'a/1.0.0/a.jar' },
      { repository: 'mvn2', path: 'a/1.0.0/a.jar' },
    ])
    expect(open.sources).toEqual(['trivy', 'grype'])
    expect(open.repositories).toEqual(['mvn', 'mvn2'])
  })
  it('filters by status, severity, repository and text', () => {
    expect(filterFindings(rows, {}).map((r) => r.id)).toEqual(['CVE-2099-0002', 'CVE-2099-0003'])
    expect(filterFindings(rows, { status: 'acknowledged' }).map((r) => r.repositories)).toEqual([['old']])
    expect(filterFindings(rows, { status: 'all' })).toHaveLength(3)
    expect(filterFindings(rows, { severity: ['HIGH'] }).map((r) => r.id)).toEqual(['CVE-2099-0003'])
    expect(filterFindings(rows, { repository: 'js' }).map((r) => r.id)).toEqual(['CVE-2099-0002'])
    expect(filterFindings(rows, { repository: 'nope' })).toEqual([])
    expect(filterFindings(rows, { text: 'ghsa-X' }).map((r) => r.id)).toEqual(['CVE-2099-0003'])
    expect(filterFindings(rows, { text: 'n.tgz' }).map((r) => r.id)).toEqual(['CVE-2099-0002'])
  })
})

describe('acksFor', () => {
  const acks = [
    { id: 1, vulnerability_id: 'ghsa-x', repository: 'mvn', reason: '', created_by: '', created_at: '', expires_at: '' },
    { id: 2, vulnerability_id: 'CVE-2099-0003', reason: '', created_by: '', created_at: '', expires_at: '' },
    { id: 3, vulnerability_id: 'CVE-2099-0003', repository: 'other', reason: '', created_by: '', created_at: '', expires_at: '' },
  ]
  it('matches ids and aliases in the row repositories or everywhere', () => {
    expect(acksFor({ id: 'CVE-2099-0003', aliases: ['GHSA-x'], repositories: ['mvn'] }, acks).map((a) => a.id)).toEqual([1, 2])
  })
})

describe('expiry', () => {
  const now = new Date('2026-12-07T10:00:00Z')
  it('accepts a future date within a year', () => {
    expect(dateInput(90, now)).toBe('2027-03-07')
    expect(expiryError('2027-03-07', now)).toBe('')
    expect(expiryISO('2027-03-07')).toBe('2027-03-07T23:59:59.000Z')
  })
  it('refuses the past, beyond a year and garbage', () => {
    expect(expiryError('2026-12-06', now)).toMatch(/future/)
    expect(expiryError('2028-01-01', now)).toMatch(/year/)
    expect(expiryError('', now)).toMatch(/date/)
  })
})

describe('fieldError', () => {
  it('puts an API validation error on the field it names', () => {
    expect(fieldError(new ApiError(400, 'invalid', 'deny_licenses: "x y" is not an SPDX license identifier'), ['deny_licenses'])).toEqual({
      field: 'deny_licenses',
      message: '"x y" is not an SPDX license identifier',
    })
    expect(fieldError(new ApiError(400, 'invalid', 'other: bad'), ['deny_licenses'])).toEqual({ message: 'other: bad' })
    expect(fieldError(new ApiError(409, 'conflict', 'name: in use'), ['name'])).toEqual({ message: 'name: in use' })
  })
})

describe('gates', () => {
  it('converts the form: blank bounds are none, zero is a bound', () => {
    expect(gateBody({ name: ' release ', max_critical: 0, max_high: null, deny_licenses: [' GPL-3.0-only ', ''] })).toEqual({
      name: 'release',
      max_critical: 0,
      deny_licenses: ['GPL-3.0-only'],
    })
    expect(gateBody({ name: 'g', min_grade: 'B' })).toEqual({ name: 'g', min_grade: 'B', deny_licenses: [] })
  })
  it('describes rules and checks names', () => {
    expect(gateRules({ name: 'g', min_grade: 'B', max_high: 0, deny_licenses: ['MIT'] })).toEqual(['grade B or better', 'at most 0 high', 'no MIT'])
    expect(gateRules({ name: 'g', deny_licenses: null })).toEqual([])
    expect(gateNameError('release')).toBe('')
    expect(gateNameError('Release')).not.toBe('')
    expect(gateNameError(' ')).not.toBe('')
  })
})
