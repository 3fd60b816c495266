import { Tag, Typography } from 'antd'
import type { RepositoryScore, ScanStatus, SecurityReport } from './api'

const gradeColor: Record<string, string> = { A: 'green', B: 'lime', C: 'gold', D: 'orange', F: 'red' }

const statusText: Record<ScanStatus, string> = {
  pending: 'scan pending',
  running: 'scanning',
  done: 'scanned',
  failed: 'scan failed',
  not_scanned: 'not scanned',
}

// Verdict is what a grade badge says: a grade only for content a scanner
// actually looked at; otherwise the scan state, never a made-up grade (the
// API's score of unscanned content is 100, grade A).
export interface Verdict {
  label: string
  color: string
  detail: string
}

export function reportVerdict(r: Pick<SecurityReport, 'status' | 'grade' | 'score' | 'error'>): Verdict {
  if (r.status !== 'done') return { label: statusText[r.status] ?? r.status, color: r.status === 'failed' ? 'red' : 'default', detail: r.error ?? '' }
  return { label: `grade ${r.grade}`, color: gradeColor[r.grade] ?? 'default', detail: `score ${r.score} of 100` }
}

export function repoVerdict(s: RepositoryScore | undefined): Verdict {
  if (!s || s.scanned === 0) {
    const n = s?.not_scanned ?? 0
    return { label: 'not scanned', color: 'default', detail: n ? `${n} artifact${n === 1 ? '' : 's'} not scanned (no scanner could read them)` : 'nothing scanned yet' }
  }
  const rest = s.not_scanned ? `, ${s.not_scanned} not scanned` : ''
  return { label: `grade ${s.grade}`, color: gradeColor[s.grade] ?? 'default', detail: `score ${s.score} of 100 over ${s.scanned} scanned${rest}` }
}

// GradeTag shows a verdict and, unless terse, its detail beside it.
export function GradeTag({ v, testId, terse }: { v: Verdict; testId?: string; terse?: boolean }) {
  return (
    <span data-testid={testId}>
      <Tag color={v.color}>{v.label}</Tag>
      {!terse && v.detail && <Typography.Text type="secondary">{v.detail}</Typography.Text>}
    </span>
  )
}
