import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Empty, Modal, Select, Space, Table, Typography } from 'antd'
import { api, type List, type Repository, type SecurityReport } from '../../api'
import { GradeTag, reportVerdict } from '../../security'
import { ArtifactLink, QueryState, repoKeys } from './common'

// Quarantine is the queue of uploads a policy holds (GET /quarantine):
// why each is held, and a release (POST /quarantine/release) after a
// confirmation. Scan again is the artifact's rescan.
export default function Quarantine() {
  const [repository, setRepository] = useState<string>()
  const [releasing, setReleasing] = useState<SecurityReport | null>(null)
  const [busy, setBusy] = useState(false)
  const qc = useQueryClient()
  const { message } = App.useApp()
  const held = useQuery({
    queryKey: ['security', 'quarantine', repository],
    queryFn: () => api<{ items: SecurityReport[]; truncated?: boolean }>('/quarantine', { query: { repository } }),
    refetchInterval: 10000,
  })
  const repos = useQuery({ queryKey: ['repositories', 'all'], queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 500 } }) })
  const rescan = async (r: SecurityReport) => {
    try {
      await api(`/repositories/${encodeURIComponent(r.repository)}/artifacts/${r.path.split('/').map(encodeURIComponent).join('/')}/security/rescan`, {
        method: 'POST',
      })
      message.success(`${r.path} queued for a new scan`)
      await qc.invalidateQueries({ queryKey: ['security'] })
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  return (
    <>
      <Typography.Title level={2}>Quarantine</Typography.Title>
      <Typography.Paragraph type="secondary">
        Uploads held by a policy: they cannot be downloaded until scanned clean or released here.
      </Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <Select
          allowClear
          showSearch
          aria-label="Filter by repository"
          placeholder="Every repository"
          style={{ minWidth: 220 }}
          value={repository}
          options={repoKeys(repos.data?.items)}
          onChange={setRepository}
        />
        <Button onClick={() => void held.refetch()}>Refresh</Button>
      </Space>
      <QueryState loading={held.isLoading} error={held.error} label="the quarantine queue">
        <Table<SecurityReport>
          rowKey={(r) => r.repository + '/' + r.path}
          size="small"
          aria-label="Quarantined artifacts"
          dataSource={held.data?.items}
          locale={{ emptyText: <Empty description="Nothing is held in quarantine" /> }}
          pagination={{ defaultPageSize: 25, hideOnSinglePage: true }}
          columns={[
            { title: 'Artifact', key: 'artifact', render: (_, r) => <ArtifactLink repository={r.repository} path={r.path} /> },
            { title: 'Verdict', key: 'verdict', render: (_, r) => <GradeTag v={reportVerdict(r)} terse /> },
            { title: 'Why', key: 'why', render: (_, r) => r.download.reason || (r.status === 'done' ? 'held by quarantine' : 'waiting for a verdict') },
            { title: 'Scanned', dataIndex: 'scanned_at', render: (t?: string) => (t ? new Date(t).toLocaleString() : 'not yet') },
            {
              title: 'Actions',
              key: 'actions',
              render: (_, r) => (
                <Space>
                  <Button size="small" onClick={() => setReleasing(r)} aria-label={`Release ${r.repository}/${r.path}`}>
                    Release
                  </Button>
                  <Button size="small" onClick={() => void rescan(r)} aria-label={`Scan ${r.repository}/${r.path} again`}>
                    Scan again
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </QueryState>
      <Modal
        open={!!releasing}
        title="Release from quarantine?"
        okText="Release"
        okButtonProps={{ danger: true, loading: busy }}
        onCancel={() => setReleasing(null)}
        onOk={async () => {
          if (!releasing) return
          setBusy(true)
          try {
            await api('/quarantine/release', { method: 'POST', body: { repository: releasing.repository, path: releasing.path } })
            message.success(`${releasing.path} released`)
            setReleasing(null)
            await qc.invalidateQueries({ queryKey: ['security'] })
          } catch (e) {
            message.error((e as Error).message)
          } finally {
            setBusy(false)
          }
        }}
      >
        {releasing && (
          <Typography.Paragraph>
            {releasing.repository}/{releasing.path} becomes downloadable, whatever its findings ({releasing.download.reason || 'held by quarantine'}).
          </Typography.Paragraph>
        )}
      </Modal>
    </>
  )
}
