import { render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import type { RepositoryScore, SecurityReport } from './api'
import { repoVerdict, reportVerdict } from './security'
import { ScanGrades } from './pages/Dashboard'
import { Security } from './pages/Browse'

beforeAll(() => {
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})

const none = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }
const score = (o: Partial<RepositoryScore>): RepositoryScore => ({
  repository: 'r', score: 100, grade: 'A', scanned: 0, not_scanned: 0, quarantined: 0, open_findings: none, ...o,
})
const report = (o: Partial<SecurityReport>): SecurityReport => ({
  repository: 'r', path: 'p', sha256: 'x', status: 'done', scanners: ['trivy'], findings: [], acknowledged: [],
  counts: none, score: 100, grade: 'A', download: { allowed: true, quarantined: false }, ...o,
})

describe('verdicts', () => {
  it('grade only what a scanner looked at', () => {
    // The API scores unscanned content 100 (grade A): the UI says "not scanned".
    expect(reportVerdict(report({ status: 'not_scanned', error: 'no scanner is installed for this kind of artifact' }))).toEqual({
      label: 'not scanned', color: 'default', detail: 'no scanner is installed for this kind of artifact',
    })
    expect(reportVerdict(report({ status: 'pending' })).label).toBe('scan pending')
    expect(reportVerdict(report({ status: 'failed', error: 'boom' })).color).toBe('red')
    expect(reportVerdict(report({ score: 60, grade: 'C' }))).toEqual({ label: 'grade C', color: 'gold', detail: 'score 60 of 100' })
    expect(repoVerdict(undefined).label).toBe('not scanned')
    expect(repoVerdict(score({ not_scanned: 2 }))).toMatchObject({ label: 'not scanned', detail: '2 artifacts not scanned (no scanner could read them)' })
    expect(repoVerdict(score({ scanned: 3, not_scanned: 1, score: 80, grade: 'B' }))).toMatchObject({
      label: 'grade B', detail: 'score 80 of 100 over 3 scanned, 1 not scanned',
    })
  })
})

describe('ScanGrades', () => {
  it('lists each repository with its grade or "not scanned", and the open findings', () => {
    render(
      <MemoryRouter>
        <ScanGrades
          loading={false}
          error={null}
          data={{
            queue: { pending: 2 },
            truncated: false,
            open_findings: { ...none, critical: 1, high: 2 },
            repositories: [score({ repository: 'npm-local', not_scanned: 1 }), score({ repository: 'pypi-local', scanned: 2, score: 55, grade: 'C', open_findings: { ...none, critical: 1, high: 2 } })],
          }}
        />
      </MemoryRouter>,
    )
    expect(within(screen.getByTestId('grade-npm-local')).getByText('not scanned')).toBeTruthy()
    expect(within(screen.getByTestId('grade-npm-local')).queryByText(/grade/)).toBeNull()
    expect(within(screen.getByTestId('grade-pypi-local')).getByText('grade C')).toBeTruthy()
    expect(screen.getByTestId('open-findings').textContent).toBe('Open findings: 1 critical, 2 high, 0 medium, 0 low; 2 waiting to be scanned')
    expect(screen.getByRole('link', { name: 'pypi-local' }).getAttribute('href')).toBe('/repositories/pypi-local')
  })
})

describe('Security (artifact)', () => {
  it('shows the grade, findings and a quarantine', () => {
    render(
      <Security
        report={report({
          score: 65, grade: 'C', counts: { ...none, high: 1, medium: 5 },
          findings: [{ id: 'CVE-2026-1', package: 'left-pad', installed_version: '1.0.0', fixed_version: '1.0.1', severity: 'HIGH' }],
          download: { allowed: false, quarantined: true, reason: 'quarantined until released' },
        })}
      />,
    )
    expect(within(screen.getByTestId('artifact-grade')).getByText('grade C')).toBeTruthy()
    expect(screen.getByText('0 critical, 1 high, 5 medium, 0 low')).toBeTruthy()
    expect(within(screen.getByRole('region', { name: 'Findings' })).getByText(/CVE-2026-1 in left-pad 1.0.0/)).toBeTruthy()
    expect(screen.getByText('fixed in 1.0.1')).toBeTruthy()
    expect(screen.getByText('Quarantined')).toBeTruthy()
  })
  it('says "not scanned" and why, with no grade and no counts', () => {
    render(<Security report={report({ status: 'not_scanned', scanners: null, error: 'no scanner is installed for this kind of artifact' })} />)
    expect(within(screen.getByTestId('artifact-grade')).getByText('not scanned')).toBeTruthy()
    expect(screen.getByText('no scanner is installed for this kind of artifact')).toBeTruthy()
    expect(screen.queryByText(/grade/)).toBeNull()
    expect(screen.queryByText(/critical/)).toBeNull()
  })
})
