// Bodies of the security API this section uses (docs/scanning.md; the
// reports, findings and scores are in ../../api).
export interface ScanPolicy {
  enabled: boolean
  block_severity: '' | 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW'
  block_unscanned: boolean
  quarantine: boolean
  deny_licenses: string[] | null
  quality_gate?: string
  updated_at?: string
}
export interface QualityGate {
  name: string
  min_grade?: '' | 'A' | 'B' | 'C' | 'D' | 'F'
  max_critical?: number
  max_high?: number
  deny_licenses: string[] | null
  updated_at?: string
}
export interface ScanAck {
  id: number
  repository?: string
  vulnerability_id: string
  reason: string
  created_by: string
  created_at: string
  expires_at: string
}
export interface GateEvaluation {
  gate: string
  repository: string
  path: string
  pass: boolean
  reasons: string[] | null
  grade?: string
}
