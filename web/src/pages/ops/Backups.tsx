import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Progress, Space, Table, Tag, Typography } from 'antd'
import { api, ApiError } from '../../api'
import { formatSize } from '../../tree'
import { backupRows, restoreCommand, type BackupJob, type BackupList, type BackupRow } from './backups'

const statusColor = { running: 'blue', failed: 'red', complete: 'green' } as const

// Backups lists this server's backup jobs and the complete backups of the
// configured target (GET /admin/backups), starts one (POST) and follows its
// progress; restores are done with `keeper restore` on a new instance.
export default function Backups() {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const list = useQuery({
    queryKey: ['backups'],
    queryFn: () => api<BackupList>('/admin/backups'),
    // While a job runs, its row follows the progress.
    refetchInterval: (q) => (q.state.data?.jobs?.some((j) => j.state === 'running') ? 1000 : false),
  })
  const rows = list.data ? backupRows(list.data) : []
  const running = list.data?.jobs?.some((j) => j.state === 'running')
  const start = async () => {
    try {
      const j = await api<BackupJob>('/admin/backups', { method: 'POST' })
      message.success(`Backup ${j.id} started`)
      await qc.invalidateQueries({ queryKey: ['backups'] })
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  const err = list.error as ApiError | null
  return (
    <>
      <Typography.Title level={2}>Backups</Typography.Title>
      <Typography.Paragraph type="secondary">
        Backups go to the server's configured target (<code>backup.target</code>): the database from one snapshot, and only the blobs the target
        does not hold yet.
      </Typography.Paragraph>
      {err && (
        <Alert
          type={err.status === 409 ? 'warning' : 'error'}
          role="alert"
          showIcon
          title={err.status === 409 ? 'No backup target' : 'Backups could not be listed'}
          description={err.message}
          style={{ marginBottom: 16 }}
        />
      )}
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" onClick={start} disabled={!!err || running} loading={running}>
          {running ? 'Backup running' : 'Start backup'}
        </Button>
        <Button onClick={() => void list.refetch()} loading={list.isFetching && !running}>
          Refresh
        </Button>
      </Space>
      <Table<BackupRow>
        rowKey="id"
        aria-label="Backups"
        loading={list.isLoading}
        dataSource={rows}
        locale={{ emptyText: err ? 'No backups' : 'No backups yet: start one' }}
        expandable={{
          expandedRowRender: (r) =>
            r.status === 'complete' ? (
              <>
                <Typography.Text>Restore this backup into a new, empty instance:</Typography.Text>
                <Typography.Paragraph copyable={{ text: restoreCommand(r.id) }}>
                  <pre style={{ margin: 0 }} aria-label={`Restore command of ${r.id}`}>
                    {restoreCommand(r.id)}
                  </pre>
                </Typography.Paragraph>
              </>
            ) : (
              <Typography.Text type={r.error ? 'danger' : undefined}>{r.error ?? 'The backup is still running.'}</Typography.Text>
            ),
          expandRowByClick: false,
        }}
        columns={[
          { title: 'Backup', dataIndex: 'id' },
          { title: 'Started', render: (_, r) => new Date(r.started_at).toLocaleString() },
          { title: 'Size', render: (_, r) => formatSize(r.bytes) },
          { title: 'Blobs', dataIndex: 'blobs' },
          { title: 'Blobs copied', dataIndex: 'blobs_copied' },
          {
            title: 'Status',
            render: (_, r) =>
              r.status === 'running' ? (
                <Space orientation="vertical" size={0} style={{ minWidth: 160 }}>
                  <Progress percent={r.percent} size="small" aria-label={`Progress of ${r.id}`} />
                  <Typography.Text type="secondary">{r.phase}</Typography.Text>
                </Space>
              ) : (
                <Tag color={statusColor[r.status]} data-testid={`backup-status-${r.id}`}>
                  {r.status}
                </Tag>
              ),
          },
        ]}
      />
    </>
  )
}
