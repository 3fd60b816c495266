import { useQuery } from '@tanstack/react-query'
import { Card, Col, List as AList, Row, Statistic, Tag, Typography } from 'antd'
import { Link } from 'react-router'
import { api, type Format, type List, type Plugin, type Repository, type SecurityDashboard, type SystemStats } from '../api'
import { GradeTag, repoVerdict } from '../security'
import { formatSize } from '../tree'
import Downloads from './Downloads'
import { useSession } from '../session'

export default function Dashboard() {
  const { me } = useSession()
  const repos = useQuery({ queryKey: ['repositories', 'dashboard'], queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 100 } }) })
  const formats = useQuery({ queryKey: ['formats'], queryFn: () => api<List<Format>>('/formats') })
  const plugins = useQuery({ queryKey: ['plugins'], enabled: !!me?.is_admin, queryFn: () => api<List<Plugin>>('/plugins') })
  const stats = useQuery({ queryKey: ['system', 'stats'], queryFn: () => api<SystemStats>('/system/stats') })
  const security = useQuery({ queryKey: ['security', 'dashboard'], enabled: !!me?.is_admin, queryFn: () => api<SecurityDashboard>('/security/dashboard') })
  const byType = (t: string) => stats.data?.by_type[t] ?? 0
  const unhealthy = plugins.data?.items.filter((p) => p.status !== 'active') ?? []
  return (
    <>
      <Typography.Title level={2}>Dashboard</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Repositories" value={stats.data?.repositories ?? 0} loading={stats.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Local / remote / virtual" value={`${byType('local')} / ${byType('remote')} / ${byType('virtual')}`} loading={stats.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Artifacts" value={stats.data?.artifacts ?? 0} loading={stats.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Storage used" value={formatSize(stats.data?.storage_bytes ?? 0)} loading={stats.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Formats served" value={formats.data?.items.length ?? 0} loading={formats.isLoading} />
          </Card>
        </Col>
        {me?.is_admin && (
          <Col xs={12} md={6}>
            <Card>
              <Statistic
                title="Plugins needing attention"
                value={unhealthy.length}
                loading={plugins.isLoading}
                styles={{ content: { color: unhealthy.length ? '#cf1322' : undefined } }}
              />
            </Card>
          </Col>
        )}
      </Row>
      {stats.error && <Typography.Text type="warning">{(stats.error as Error).message}</Typography.Text>}
      <Downloads />
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24}>
          <Card title="Repositories by format">
            {Object.entries(stats.data?.by_format ?? {})
              .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
              .map(([f, n]) => (
                <Tag key={f} data-testid={`format-${f}`}>
                  {f}: {n}
                </Tag>
              ))}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title="Recently created repositories">
            <AList
              dataSource={[...(repos.data?.items ?? [])].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 8)}
              renderItem={(r) => (
                <AList.Item>
                  <Link to={`/repositories/${r.key}`}>{r.key}</Link>
                  <span>
                    <Tag>{r.format}</Tag>
                    <Tag>{r.repo_type}</Tag>
                  </span>
                </AList.Item>
              )}
            />
          </Card>
        </Col>
        {me?.is_admin && <ScanGrades data={security.data} loading={security.isLoading} error={security.error} />}
        {me?.is_admin && (
          <Col xs={24} lg={12}>
            <Card title="Plugin health">
              <AList
                dataSource={plugins.data?.items ?? []}
                renderItem={(p) => (
                  <AList.Item>
                    <span>
                      {p.display_name || p.name} <Typography.Text type="secondary">{p.version}</Typography.Text>
                    </span>
                    <Tag color={p.status === 'active' ? 'green' : p.status === 'disabled' ? 'default' : 'red'}>{p.status}</Tag>
                  </AList.Item>
                )}
              />
            </Card>
          </Col>
        )}
      </Row>
    </>
  )
}

// ScanGrades is the dashboard's security card: each repository's grade
// (only over content a scanner looked at), open findings and the queue.
export function ScanGrades({ data, loading, error }: { data?: SecurityDashboard; loading: boolean; error: Error | null }) {
  const f = data?.open_findings
  const waiting = (data?.queue.pending ?? 0) + (data?.queue.running ?? 0)
  return (
    <Col xs={24} lg={12}>
      <Card title="Scan grades" loading={loading}>
        {error && <Typography.Text type="warning">{error.message}</Typography.Text>}
        {f && (
          <Typography.Paragraph data-testid="open-findings">
            Open findings: {f.critical} critical, {f.high} high, {f.medium} medium, {f.low} low
            {waiting > 0 && `; ${waiting} waiting to be scanned`}
          </Typography.Paragraph>
        )}
        <AList
          locale={{ emptyText: 'Nothing uploaded has been queued for scanning yet' }}
          dataSource={data?.repositories ?? []}
          renderItem={(r) => (
            <AList.Item>
              <Link to={`/repositories/${r.repository}`}>{r.repository}</Link>
              <GradeTag v={repoVerdict(r)} testId={`grade-${r.repository}`} />
            </AList.Item>
          )}
        />
      </Card>
    </Col>
  )
}
