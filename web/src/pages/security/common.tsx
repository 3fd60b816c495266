import type { ReactNode } from 'react'
import { Alert, Spin, Tag } from 'antd'
import { Link } from 'react-router'
import { severityColor } from './logic'

// Loading, error and empty states shared by the security pages.
export function QueryState({ loading, error, label, children }: { loading: boolean; error: unknown; label: string; children: ReactNode }) {
  if (error) return <Alert type="error" showIcon role="alert" title={`Could not load ${label}`} description={(error as Error).message} />
  if (loading) return <Spin aria-label={`Loading ${label}`} />
  return <>{children}</>
}

export function SeverityTag({ s }: { s: string }) {
  return <Tag color={severityColor[s] ?? 'default'}>{s}</Tag>
}

// ArtifactLink opens the artifact's details in its repository's browser.
export function ArtifactLink({ repository, path }: { repository: string; path: string }) {
  return <Link to={`/repositories/${encodeURIComponent(repository)}?path=${encodeURIComponent(path)}`}>{`${repository}/${path}`}</Link>
}

export const repoKeys = (items: { key: string }[] | undefined) => (items ?? []).map((r) => ({ value: r.key, label: r.key }))
