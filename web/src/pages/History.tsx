import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Descriptions, Empty, Timeline, Typography } from 'antd'
import { Link, useParams, useSearchParams } from 'react-router'
import { api, type Artifact, type DownloadStats, type SecurityReport } from '../api'
import { GradeTag, reportVerdict } from '../security'
import { useSession } from '../session'
import { formatSize } from '../tree'

export interface HistoryEvent {
  id: number
  at: string
  actor: string
  action: string
  outcome: string
  detail: string
}
interface HistoryPage {
  items: HistoryEvent[]
  total: number
}

const PAGE = 50

// describe turns an audit action into what happened to the artifact.
export function describe(e: Pick<HistoryEvent, 'action' | 'outcome'>): { text: string; color: string } {
  const text =
    {
      'artifact.publish': 'Uploaded',
      'artifact.delete': 'Deleted',
      'security.scan': 'Scan requested',
      'security.quarantine.release': 'Released from quarantine',
      'security.download.blocked': 'Download blocked',
    }[e.action] ?? e.action
  const ok = e.outcome === 'success' || e.outcome === 'allowed'
  return { text: ok ? text : `${text} (${e.outcome})`, color: e.action === 'artifact.delete' || !ok ? 'red' : e.action.startsWith('security.') ? 'orange' : 'blue' }
}

// History is one artifact path's story: what is stored now, its downloads,
// its scan verdict, and the audit events naming it (uploads, deletes, scans,
// quarantine releases, blocked downloads), newest first.
export default function History() {
  // The path is a query parameter: a deep link ending in a file name would
  // be taken for a file of the UI by the server.
  const { key = '' } = useParams()
  const path = useSearchParams()[0].get('path') ?? ''
  const { me } = useSession()
  const [limit, setLimit] = useState(PAGE)
  const repoPath = `/repositories/${encodeURIComponent(key)}`
  const esc = path.split('/').map(encodeURIComponent).join('/')
  const events = useQuery({ queryKey: ['history', key, path, limit], queryFn: () => api<HistoryPage>(`${repoPath}/history/${esc}`, { query: { limit } }) })
  // The listing (not the metadata route) says whether the path is stored now
  // without an error for a deleted one.
  const now = useQuery({
    queryKey: ['history-now', key, path],
    queryFn: async () => (await api<{ items: Artifact[] }>(`${repoPath}/artifacts`, { query: { prefix: path, limit: 1 } })).items.find((a) => a.path === path) ?? null,
  })
  const downloads = useQuery({
    queryKey: ['history-downloads', key, path],
    queryFn: () => api<DownloadStats>('/stats/downloads', { query: { repository: key, path, group_by: 'artifact', from: '2000-01-01' } }),
  })
  const scan = useQuery({
    queryKey: ['security', 'findings', key, path],
    enabled: !!me?.is_admin && !!now.data,
    queryFn: () => api<SecurityReport>('/security/findings', { query: { repository: key, path } }),
  })
  const count = downloads.data?.rows.find((r) => r.path === path)
  return (
    <>
      <Typography.Title level={2}>History of {path}</Typography.Title>
      <Typography.Paragraph>
        In <Link to={`/repositories/${key}`}>{key}</Link>
      </Typography.Paragraph>
      {events.error && <Alert type="error" title={(events.error as Error).message} />}
      <Card title="Now" loading={now.isLoading} style={{ marginBottom: 16 }}>
        <Descriptions column={1} size="small" bordered>
          <Descriptions.Item label="Stored">
            <span data-testid="history-stored">{now.data ? `yes, since ${now.data.created_at} (${formatSize(now.data.size)})` : 'no (deleted or never stored)'}</span>
          </Descriptions.Item>
          {now.data && (
            <Descriptions.Item label="SHA-256">
              <Typography.Text code>{now.data.checksum_sha256}</Typography.Text>
            </Descriptions.Item>
          )}
          <Descriptions.Item label="Downloads">
            <span data-testid="history-downloads">{downloads.error ? (downloads.error as Error).message : (count?.downloads ?? 0)}</span>
            {count && <Typography.Text type="secondary"> ({formatSize(count.bytes)} sent)</Typography.Text>}
          </Descriptions.Item>
          {scan.data && (
            <Descriptions.Item label="Scan">
              <GradeTag v={reportVerdict(scan.data)} testId="history-scan" />
              {scan.data.download.quarantined && <Typography.Text type="danger"> quarantined</Typography.Text>}
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      <Card title={`Events (${events.data?.total ?? 0})`} loading={events.isLoading}>
        {events.data?.items.length === 0 && <Empty description="No recorded events name this path (publishes through a client's own protocol are audited by request)" />}
        <section aria-label="Events">
          <Timeline
            items={(events.data?.items ?? []).map((e) => {
              const d = describe(e)
              return {
                key: e.id,
                color: d.color,
                content: (
                  <>
                    <Typography.Text strong>{d.text}</Typography.Text> by {e.actor || 'anonymous'} <Typography.Text type="secondary">at {e.at}</Typography.Text>
                    {e.detail && (
                      <div>
                        <Typography.Text type="secondary" code>
                          {e.detail}
                        </Typography.Text>
                      </div>
                    )}
                  </>
                ),
              }
            })}
          />
        </section>
        {events.data && events.data.items.length < events.data.total && <Button onClick={() => setLimit(limit + PAGE)}>Show more</Button>}
      </Card>
    </>
  )
}
