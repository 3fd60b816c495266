import { useEffect, useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Input, Popconfirm, Segmented, Space, Spin, Statistic, Switch, Table, Tag, Typography } from 'antd'
import { api } from '../../api'
import { formatSize } from '../../tree'
import { followImport, tally, toSpec, type ImportItem, type ImportJob, type StartValues } from './imports'

const outcomeColor = { imported: 'green', skipped: 'default', failed: 'red' } as const
const stateColor = { running: 'blue', done: 'green', failed: 'red', interrupted: 'orange' } as const

// Imports starts an import from a live Artifactory instance
// (POST /admin/imports), follows its items live from the server-sent events,
// shows the final report and stops it (DELETE); recent imports are listed
// (GET /admin/imports) and any of them can be opened again.
export default function Imports() {
  const qc = useQueryClient()
  const [current, setCurrent] = useState<string>()
  const list = useQuery({
    queryKey: ['imports'],
    queryFn: () => api<{ jobs: ImportJob[] }>('/admin/imports'),
  })
  return (
    <>
      <Typography.Title level={2}>Imports</Typography.Title>
      <Typography.Paragraph type="secondary">
        Import the local repositories of an Artifactory instance through its REST API. The target repositories must exist; files already stored
        with the same checksum are skipped, so running an import again resumes it. Reports are kept: an import whose server stopped before it
        finished reads interrupted.
      </Typography.Paragraph>
      <StartForm
        onStarted={(j) => {
          setCurrent(j.id)
          void qc.invalidateQueries({ queryKey: ['imports'] })
        }}
      />
      {current && <Progress key={current} id={current} />}
      <Table<ImportJob>
        style={{ marginTop: 24 }}
        title={() => <Typography.Text strong>Recent imports</Typography.Text>}
        rowKey="id"
        aria-label="Recent imports"
        loading={list.isLoading}
        dataSource={list.data?.jobs ?? []}
        locale={{ emptyText: 'No imports yet' }}
        pagination={false}
        size="small"
        columns={[
          { title: 'Import', dataIndex: 'id' },
          { title: 'Source', dataIndex: 'url' },
          { title: 'Started', render: (_, j) => `${new Date(j.started_at).toLocaleString()}${j.by ? ` by ${j.by}` : ''}` },
          { title: 'State', render: (_, j) => <Tag color={stateColor[j.state]}>{j.state}</Tag> },
          { title: 'Imported', dataIndex: 'imported' },
          { title: 'Skipped', dataIndex: 'skipped' },
          { title: 'Failed', dataIndex: 'failed' },
          {
            title: '',
            render: (_, j) => (
              <Button size="small" onClick={() => setCurrent(j.id)} aria-label={`Show import ${j.id}`} disabled={j.id === current}>
                Show
              </Button>
            ),
          },
        ]}
      />
    </>
  )
}

function StartForm({ onStarted }: { onStarted: (j: ImportJob) => void }) {
  const [form] = Form.useForm<StartValues>()
  const [error, setError] = useState('')
  const [starting, setStarting] = useState(false)
  const { message } = App.useApp()
  const start = async (v: StartValues) => {
    setError('')
    setStarting(true)
    try {
      const j = await api<ImportJob>('/admin/imports', { method: 'POST', body: toSpec(v) })
      message.success(`Import ${j.id} started`)
      form.setFieldsValue({ token: '', password: '' })
      onStarted(j)
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setStarting(false)
    }
  }
  return (
    <Card title="Start an import" style={{ maxWidth: 760 }}>
      <Form form={form} layout="vertical" onFinish={start} aria-label="Start an import" initialValues={{ security: false }}>
        <Form.Item name="url" label="Artifactory URL" rules={[{ required: true, message: 'The instance URL is required' }]}>
          <Input placeholder="https://host/artifactory" />
        </Form.Item>
        <Form.Item name="token" label="Access token" extra="Sent as a bearer token; neither it nor a password is stored or shown again">
          <Input.Password autoComplete="off" />
        </Form.Item>
        <Space size="large" wrap>
          <Form.Item name="user" label="Or user">
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="password" label="Password or API key">
            <Input.Password autoComplete="off" />
          </Form.Item>
        </Space>
        <Form.Item name="repositories" label="Repositories" extra="Source keys separated by commas; empty: every local repository">
          <Input />
        </Form.Item>
        <Form.Item name="map" label="Key mapping" extra="One SOURCE=TARGET a line: import a source repository into another key">
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="security" label="Users, groups and permission targets" valuePropName="checked">
          <Switch aria-label="Users, groups and permission targets" />
        </Form.Item>
        {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={starting}>
          Start import
        </Button>
      </Form>
    </Card>
  )
}

type Row = ImportItem & { index: number }

// Progress follows one import's events from its first item to the report.
function Progress({ id }: { id: string }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [items, setItems] = useState<Row[]>([])
  const [final, setFinal] = useState<ImportJob>()
  const [error, setError] = useState('')
  const [filter, setFilter] = useState<'all' | 'failed' | 'skipped' | 'imported'>('all')
  useEffect(() => {
    const ctl = new AbortController()
    const seen: Row[] = []
    followImport(
      id,
      (it, i) => {
        seen[i] = { ...it, index: i }
        setItems(seen.filter(Boolean))
      },
      (j) => {
        setFinal(j)
        void qc.invalidateQueries({ queryKey: ['imports'] })
      },
      ctl.signal,
    ).catch((e: Error) => {
      if (!ctl.signal.aborted) setError(e.message)
    })
    return () => ctl.abort()
  }, [id, qc])
  const stop = async () => {
    try {
      await api(`/admin/imports/${encodeURIComponent(id)}`, { method: 'DELETE' })
      message.success(`Import ${id} stopped`)
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  const counts = final ?? tally(items)
  const shown = filter === 'all' ? items : items.filter((it) => it.outcome === filter)
  return (
    <Card
      style={{ marginTop: 24 }}
      title={
        <Space>
          {`Import ${id}`}
          {final ? (
            <Tag color={stateColor[final.state]} data-testid="import-state">
              {final.state}
            </Tag>
          ) : (
            <Tag color="blue" data-testid="import-state">
              running
            </Tag>
          )}
        </Space>
      }
      extra={
        !final && (
          <Popconfirm title="Stop this import? Running it again resumes it." onConfirm={stop} okText="Stop">
            <Button danger>Stop</Button>
          </Popconfirm>
        )
      }
    >
      {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 16 }} />}
      {final?.error && <Alert type="error" role="alert" showIcon title={final.error} style={{ marginBottom: 16 }} />}
      <Space size="large" style={{ marginBottom: 16 }} aria-label="Import totals">
        <Statistic title="Imported" value={counts.imported} />
        <Statistic title="Skipped" value={counts.skipped} />
        <Statistic title="Failed" value={counts.failed} />
        {final && <Statistic title="Bytes" value={formatSize(final.bytes)} />}
        {!final && !error && <Spin aria-label="Import running" />}
      </Space>
      <div style={{ marginBottom: 8 }}>
        <Segmented
          aria-label="Show items"
          value={filter}
          onChange={(v) => setFilter(v as typeof filter)}
          options={[
            { value: 'all', label: 'All' },
            { value: 'failed', label: 'Failed' },
            { value: 'skipped', label: 'Skipped' },
            { value: 'imported', label: 'Imported' },
          ]}
        />
      </div>
      <Table<Row>
        rowKey="index"
        aria-label="Import items"
        dataSource={shown}
        size="small"
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: final ? 'No items' : 'Waiting for the first file' }}
        columns={[
          { title: 'Repository', dataIndex: 'repository' },
          { title: 'Path', dataIndex: 'path' },
          { title: 'Outcome', render: (_, it) => <Tag color={outcomeColor[it.outcome]}>{it.outcome}</Tag> },
          { title: 'Reason', dataIndex: 'reason' },
        ]}
      />
    </Card>
  )
}
