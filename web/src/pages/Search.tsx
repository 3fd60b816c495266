import { useEffect, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Col, Empty, Input, List as AList, Row, Tag, Typography } from 'antd'
import { Link } from 'react-router'
import { api } from '../api'
import { highlight } from '../highlight'

interface Hit {
  repository: string
  format: string
  package: string
  version?: string
  description?: string
  highlights: Record<string, string>
}
interface Result {
  total: number
  total_capped?: boolean
  hits: Hit[]
  facets: { format: Record<string, number>; repository: Record<string, number> }
}

function Facet({ title, counts, value, onChange }: { title: string; counts: Record<string, number>; value: string; onChange: (v: string) => void }) {
  return (
    <Card size="small" title={title} style={{ marginBottom: 12 }}>
      {Object.entries(counts).map(([k, n]) => (
        <Tag.CheckableTag key={k} checked={value === k} onChange={(on) => onChange(on ? k : '')}>
          {k} ({n})
        </Tag.CheckableTag>
      ))}
    </Card>
  )
}

// Search queries GET /api/v1/search as the user types (debounced), with
// format and repository facets.
export default function Search() {
  const [text, setText] = useState('')
  const [q, setQ] = useState('')
  const [format, setFormat] = useState('')
  const [repository, setRepository] = useState('')
  const [page, setPage] = useState(1)
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 200)
    return () => clearTimeout(t)
  }, [text])
  const res = useQuery({
    queryKey: ['search', q, format, repository, page],
    enabled: q !== '',
    placeholderData: (prev) => prev,
    queryFn: () => api<Result>('/search', { query: { q, format, repository, page, per_page: 20 } }),
  })
  return (
    <>
      <Typography.Title level={2}>Search</Typography.Title>
      <Input.Search
        aria-label="Search packages"
        placeholder="Package name, description or keyword"
        allowClear
        autoFocus
        value={text}
        onChange={(e) => {
          setText(e.target.value)
          setPage(1)
        }}
        style={{ maxWidth: 520, marginBottom: 16 }}
      />
      {res.error && <Alert type="error" title={(res.error as Error).message} />}
      {q && res.data && (
        <Row gutter={16}>
          <Col xs={24} md={6}>
            <Facet title="Format" counts={res.data.facets.format ?? {}} value={format} onChange={setFormat} />
            <Facet title="Repository" counts={res.data.facets.repository ?? {}} value={repository} onChange={setRepository} />
          </Col>
          <Col xs={24} md={18}>
            {res.data.hits.length === 0 ? (
              <Empty description="No packages match" />
            ) : (
              <AList
                aria-label="Search results"
                header={`${res.data.total}${res.data.total_capped ? '+' : ''} packages${res.data.total_capped ? ' (narrow the query to see the rest)' : ''}`}
                dataSource={res.data.hits}
                pagination={{ current: page, pageSize: 20, total: res.data.total, onChange: setPage }}
                renderItem={(h) => (
                  <AList.Item>
                    <AList.Item.Meta
                      title={
                        <>
                          <Link to={`/repositories/${h.repository}`}>{highlight(h.highlights.package ?? h.package)}</Link> {h.version && <Tag>{h.version}</Tag>}
                          <Tag>{h.format}</Tag> <Typography.Text type="secondary">in {h.repository}</Typography.Text>
                        </>
                      }
                      description={highlight(h.highlights.description ?? h.description ?? '')}
                    />
                  </AList.Item>
                )}
              />
            )}
          </Col>
        </Row>
      )}
    </>
  )
}
