import { useQuery } from '@tanstack/react-query'
import { Card, Col, Empty, List as AList, Row, Statistic, Typography } from 'antd'
import { Link } from 'react-router'
import { api, type DownloadRow, type DownloadStats } from '../api'
import { formatSize } from '../tree'

// fillDays turns rows grouped by day into one entry per day from `from` to
// `to` (YYYY-MM-DD, inclusive), days without downloads at zero.
export function fillDays(rows: DownloadRow[], from: string, to: string): { day: string; downloads: number }[] {
  const counts = new Map(rows.map((r) => [r.day ?? '', r.downloads]))
  const out: { day: string; downloads: number }[] = []
  const end = Date.parse(to + 'T00:00:00Z')
  for (let t = Date.parse(from + 'T00:00:00Z'); !Number.isNaN(t) && t <= end && out.length < 366; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10)
    out.push({ day, downloads: counts.get(day) ?? 0 })
  }
  return out
}

// DownloadsChart draws downloads per day as bars (plain SVG: no chart library).
function DownloadsChart({ days }: { days: { day: string; downloads: number }[] }) {
  const max = Math.max(1, ...days.map((d) => d.downloads))
  const w = 12
  const h = 120
  return (
    <svg role="img" aria-label="Downloads per day" viewBox={`0 0 ${days.length * w} ${h}`} width="100%" height={h} preserveAspectRatio="none">
      {days.map((d, i) => {
        const bh = d.downloads ? Math.max(2, (d.downloads / max) * (h - 4)) : 0
        return (
          <rect key={d.day} data-testid={`day-${d.day}`} x={i * w + 1} y={h - bh} width={w - 2} height={bh} fill="#1677ff">
            <title>{`${d.day}: ${d.downloads}`}</title>
          </rect>
        )
      })}
    </svg>
  )
}

// Downloads is the dashboard's download card: the last 30 days and the top artifacts.
export default function Downloads() {
  const byDay = useQuery({ queryKey: ['stats', 'downloads', 'day'], queryFn: () => api<DownloadStats>('/stats/downloads', { query: { group_by: 'day' } }) })
  const top = useQuery({ queryKey: ['stats', 'downloads', 'top'], queryFn: () => api<DownloadStats>('/stats/downloads/top') })
  const rows = byDay.data?.rows ?? []
  const days = byDay.data?.from && byDay.data?.to ? fillDays(rows, byDay.data.from, byDay.data.to) : []
  const total = rows.reduce((n, r) => n + r.downloads, 0)
  const bytes = rows.reduce((n, r) => n + r.bytes, 0)
  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      <Col xs={24} lg={12}>
        <Card title="Downloads, last 30 days" loading={byDay.isLoading}>
          <Row gutter={16}>
            <Col span={12}>
              <Statistic title="Downloads" value={total} />
            </Col>
            <Col span={12}>
              <Statistic title="Sent" value={formatSize(bytes)} />
            </Col>
          </Row>
          {total ? <DownloadsChart days={days} /> : <Empty description="No downloads yet" />}
          {byDay.error && <Typography.Text type="warning">{(byDay.error as Error).message}</Typography.Text>}
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card title="Most downloaded" loading={top.isLoading}>
          <AList
            dataSource={top.data?.rows ?? []}
            renderItem={(r) => (
              <AList.Item>
                <span>
                  <Link to={`/repositories/${r.repository}`}>{r.repository}</Link> <Typography.Text code>{r.path}</Typography.Text>
                </span>
                <span data-testid={`top-${r.repository}/${r.path}`}>{r.downloads}</span>
              </AList.Item>
            )}
          />
        </Card>
      </Col>
    </Row>
  )
}
