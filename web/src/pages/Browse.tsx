import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Descriptions, Empty, List as AList, Row, Tag, Tree, Typography } from 'antd'
import type { TreeDataNode } from 'antd'
import { Link, useSearchParams } from 'react-router'
import { api, type Artifact, type SecurityReport } from '../api'
import { GradeTag, reportVerdict } from '../security'
import { useSession } from '../session'
import { formatSize, level } from '../tree'
import { ArtifactOps } from './ops/ArtifactOps'

const PAGE = 1000

async function listLevel(repo: string, prefix: string): Promise<{ nodes: TreeDataNode[]; more: boolean }> {
  const r = await api<{ items: Artifact[]; next_after?: string }>(`/repositories/${encodeURIComponent(repo)}/artifacts`, {
    query: { prefix, limit: PAGE },
  })
  const { folders, files } = level(
    r.items.map((a) => a.path),
    prefix,
  )
  return {
    more: !!r.next_after,
    nodes: [
      ...folders.map((f) => ({ key: f, title: f.slice(prefix.length), isLeaf: false })),
      ...files.map((f) => ({ key: f, title: f.slice(prefix.length), isLeaf: true })),
    ],
  }
}

function insert(nodes: TreeDataNode[], key: string, children: TreeDataNode[]): TreeDataNode[] {
  return nodes.map((n) => (n.key === key ? { ...n, children } : n.children ? { ...n, children: insert(n.children, key, children) } : n))
}

const severityColor: Record<string, string> = { CRITICAL: 'red', HIGH: 'volcano', MEDIUM: 'orange', LOW: 'gold', UNKNOWN: 'default' }

// Security is an artifact's scan report (GET /security/findings): its grade
// when a scanner looked at it, else why not, and its open findings.
export function Security({ report }: { report: SecurityReport }) {
  const c = report.counts
  return (
    <Card size="small" title="Security" style={{ marginTop: 16 }}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label="Verdict">
          <GradeTag v={reportVerdict(report)} testId="artifact-grade" />
        </Descriptions.Item>
        {report.status === 'done' && (
          <Descriptions.Item label="Open findings">
            {c.critical} critical, {c.high} high, {c.medium} medium, {c.low} low
          </Descriptions.Item>
        )}
        {!!report.scanners?.length && <Descriptions.Item label="Scanners">{report.scanners.join(', ')}</Descriptions.Item>}
        {report.scanned_at && <Descriptions.Item label="Scanned">{report.scanned_at}</Descriptions.Item>}
      </Descriptions>
      {!report.download.allowed && (
        <Alert type="warning" showIcon title={report.download.quarantined ? 'Quarantined' : 'Downloads blocked'} description={report.download.reason} />
      )}
      {report.findings.length > 0 && (
        <section aria-label="Findings">
        <AList
          size="small"
          dataSource={report.findings}
          renderItem={(f) => (
            <AList.Item>
              <span>
                <Tag color={severityColor[f.severity]}>{f.severity}</Tag> {f.id} in {f.package} {f.installed_version}
              </span>
              {f.fixed_version && <Typography.Text type="secondary">fixed in {f.fixed_version}</Typography.Text>}
            </AList.Item>
          )}
        />
        </section>
      )}
    </Card>
  )
}

function Details({ repo, path, onDeleted }: { repo: string; path: string; onDeleted: () => void }) {
  const { modal, message } = App.useApp()
  const esc = path.split('/').map(encodeURIComponent).join('/')
  const { me } = useSession()
  const a = useQuery({ queryKey: ['artifact', repo, path], queryFn: () => api<Artifact>(`/repositories/${encodeURIComponent(repo)}/artifacts/${esc}`) })
  const report = useQuery({
    queryKey: ['security', 'findings', repo, path],
    enabled: !!me?.is_admin,
    queryFn: () => api<SecurityReport>('/security/findings', { query: { repository: repo, path } }),
    // A queued or running scan is followed until its verdict.
    refetchInterval: (q) => (q.state.data?.status === 'pending' || q.state.data?.status === 'running' ? 2000 : false),
  })
  const download = async () => {
    const blob = await api<Blob>(`/repositories/${encodeURIComponent(repo)}/download/${esc}`, { blob: true })
    const href = URL.createObjectURL(blob)
    const link = document.createElement('a')
    link.href = href
    link.download = path.split('/').pop() ?? 'artifact'
    link.click()
    setTimeout(() => URL.revokeObjectURL(href), 1000)
  }
  const remove = () =>
    modal.confirm({
      title: `Delete ${path}?`,
      okText: 'Delete',
      okButtonProps: { danger: true },
      onOk: async () => {
        await api(`/repositories/${encodeURIComponent(repo)}/artifacts/${esc}`, { method: 'DELETE' })
        message.success(`Deleted ${path}`)
        onDeleted()
      },
    })
  if (!a.data) return null
  return (
    <Card title={<span aria-label="Artifact details">{path}</span>}>
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label="Size">{formatSize(a.data.size)}</Descriptions.Item>
        <Descriptions.Item label="Content type">{a.data.content_type}</Descriptions.Item>
        <Descriptions.Item label="SHA-256">
          <Typography.Text copyable code>
            {a.data.checksum_sha256}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label="SHA-1">
          <Typography.Text code>{a.data.checksum_sha1}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label="MD5">
          <Typography.Text code>{a.data.checksum_md5}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label="Created">{a.data.created_at}</Descriptions.Item>
        <Descriptions.Item label="Download URL">
          <Typography.Text copyable>{a.data.download_url}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Button type="primary" style={{ marginTop: 16, marginRight: 8 }} onClick={download}>
        Download
      </Button>
      <Button danger style={{ marginTop: 16, marginRight: 8 }} onClick={remove}>
        Delete
      </Button>
      <Link to={`/repositories/${encodeURIComponent(repo)}/history?path=${encodeURIComponent(path)}`}>History</Link>
      <ArtifactOps repo={repo} path={path} onMoved={onDeleted} />
      {report.data && <Security report={report.data} />}
    </Card>
  )
}

// Browse is a lazily loaded tree of a repository's artifacts: each folder
// lists only its own prefix (up to PAGE paths), so large repositories stay fast.
export function Browse({ repoKey }: { repoKey: string }) {
  const [tree, setTree] = useState<TreeDataNode[] | null>(null)
  // ?path= opens an artifact's details (links from other pages).
  const [params] = useSearchParams()
  const [selected, setSelected] = useState(() => params.get('path') ?? '')
  const qc = useQueryClient()
  const root = useQuery({
    queryKey: ['tree', repoKey],
    queryFn: async () => {
      const l = await listLevel(repoKey, '')
      setTree(l.nodes)
      return l
    },
  })
  if (root.data && !tree?.length) return <Empty description="No artifacts yet" />
  return (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Tree
          aria-label="Artifacts"
          treeData={tree ?? []}
          loadData={async (node) => {
            if (node.isLeaf || node.children) return
            const l = await listLevel(repoKey, String(node.key))
            setTree((t) => insert(t ?? [], String(node.key), l.nodes))
          }}
          onSelect={(keys, info) => info.node.isLeaf && setSelected(String(keys[0] ?? ''))}
        />
        {root.data?.more && <Typography.Text type="secondary">Showing the first {PAGE} paths of this level.</Typography.Text>}
      </Col>
      <Col xs={24} lg={14}>
        {selected && (
          <Details
            key={selected}
            repo={repoKey}
            path={selected}
            onDeleted={() => {
              setSelected('')
              setTree(null)
              void qc.invalidateQueries({ queryKey: ['tree', repoKey] })
            }}
          />
        )}
      </Col>
    </Row>
  )
}
