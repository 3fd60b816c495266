import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Drawer, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd'
import { api, type List } from '../api'

// The webhook API (docs/webhooks.md): secrets are write-only, so the page
// only ever sends them.
export interface Webhook {
  id: number
  name: string
  url: string
  format: 'json' | 'slack' | 'teams'
  events: string[]
  enabled: boolean
  has_secret: boolean
  previous_secret_until?: string
  consecutive_failures: number
  disabled_reason?: string
}
export interface Delivery {
  id: number
  event_id: string
  event_type: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  response_code: number
  response_body: string
  duration_ms: number
  error?: string
  created_at: string
}

export const EVENTS = [
  'artifact.uploaded',
  'artifact.deleted',
  'repository.created',
  'repository.deleted',
  'plugin.installed',
  'plugin.reloaded',
  'policy.changed',
  'auth.login_failures',
  'scan.completed',
  'artifact.quarantined',
]

const statusColor = { pending: 'blue', succeeded: 'green', failed: 'red' } as const

function Deliveries({ hook, onClose }: { hook: Webhook | null; onClose: () => void }) {
  const { message } = App.useApp()
  const qc = useQueryClient()
  const list = useQuery({
    queryKey: ['webhook-deliveries', hook?.id],
    enabled: !!hook,
    queryFn: () => api<List<Delivery>>(`/webhooks/${hook!.id}/deliveries`, { query: { limit: 50 } }),
    // While a delivery is still on its way, the log follows it.
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'pending') ? 1000 : false),
  })
  return (
    <Drawer open={!!hook} onClose={onClose} title={`Deliveries of ${hook?.name}`} size="large">
      <Button style={{ marginBottom: 12 }} loading={list.isFetching} onClick={() => void list.refetch()}>
        Refresh
      </Button>
      <Table<Delivery>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items}
        expandable={{ expandedRowRender: (d) => <pre style={{ whiteSpace: 'pre-wrap' }}>{d.error ? `${d.error}\n` : ''}{d.response_body}</pre> }}
        columns={[
          { title: 'Event', dataIndex: 'event_type' },
          { title: 'Status', render: (_, d) => <Tag color={statusColor[d.status]}>{d.status}</Tag> },
          { title: 'Attempts', dataIndex: 'attempts' },
          { title: 'Response', dataIndex: 'response_code' },
          { title: 'Duration', render: (_, d) => `${d.duration_ms} ms` },
          { title: 'Queued', dataIndex: 'created_at' },
          {
            title: 'Actions',
            render: (_, d) => (
              <Button
                size="small"
                aria-label={`Redeliver delivery ${d.id}`}
                onClick={async () => {
                  try {
                    await api(`/webhooks/${hook!.id}/deliveries/${d.id}/redeliver`, { method: 'POST' })
                    message.success('Queued again')
                    await qc.invalidateQueries({ queryKey: ['webhook-deliveries', hook!.id] })
                  } catch (e) {
                    message.error((e as Error).message)
                  }
                }}
              >
                Redeliver
              </Button>
            ),
          },
        ]}
      />
    </Drawer>
  )
}

export default function Webhooks() {
  const qc = useQueryClient()
  const { modal, message } = App.useApp()
  const [creating, setCreating] = useState(false)
  const [rotating, setRotating] = useState<Webhook | null>(null)
  const [showing, setShowing] = useState<Webhook | null>(null)
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const [secretForm] = Form.useForm()
  const hooks = useQuery({ queryKey: ['webhooks'], queryFn: () => api<List<Webhook>>('/webhooks') })
  const refresh = () => qc.invalidateQueries({ queryKey: ['webhooks'] })
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn()
      message.success(done)
      await refresh()
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  return (
    <>
      <Typography.Title level={2}>Webhooks</Typography.Title>
      <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 16 }}>
        Create webhook
      </Button>
      <Table<Webhook>
        rowKey="id"
        loading={hooks.isLoading}
        dataSource={hooks.data?.items}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'URL', dataIndex: 'url', ellipsis: true },
          { title: 'Format', dataIndex: 'format' },
          { title: 'Events', render: (_, w) => w.events.map((e) => <Tag key={e}>{e}</Tag>) },
          {
            title: 'Enabled',
            render: (_, w) => (
              <Space orientation="vertical" size={0}>
                <Switch
                  checked={w.enabled}
                  aria-label={`Enabled ${w.name}`}
                  onChange={(on) => act(() => api(`/webhooks/${w.id}`, { method: 'PATCH', body: { enabled: on } }), on ? 'Enabled' : 'Disabled')}
                />
                {w.disabled_reason && <Typography.Text type="danger">{w.disabled_reason}</Typography.Text>}
              </Space>
            ),
          },
          {
            title: 'Actions',
            render: (_, w) => (
              <Space wrap>
                <Button size="small" aria-label={`Deliveries of ${w.name}`} onClick={() => setShowing(w)}>
                  Deliveries
                </Button>
                <Button size="small" aria-label={`Ping ${w.name}`} onClick={() => act(() => api(`/webhooks/${w.id}/ping`, { method: 'POST' }), 'Ping queued')}>
                  Ping
                </Button>
                <Button size="small" aria-label={`Rotate the secret of ${w.name}`} onClick={() => setRotating(w)}>
                  Rotate secret
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete webhook ${w.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete webhook ${w.name}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: () => act(() => api(`/webhooks/${w.id}`, { method: 'DELETE' }), 'Deleted'),
                    })
                  }
                >
                  Delete
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal open={creating} title="Create a webhook" okText="Create" onOk={() => form.submit()} onCancel={() => setCreating(false)}>
        {error && <Alert type="error" title={error} role="alert" />}
        <Form
          form={form}
          layout="vertical"
          initialValues={{ format: 'json', events: ['artifact.uploaded'] }}
          onFinish={async (v) => {
            setError('')
            try {
              await api('/webhooks', { method: 'POST', body: v })
              setCreating(false)
              form.resetFields()
              await refresh()
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item label="Name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="URL" name="url" rules={[{ required: true }]}>
            <Input placeholder="https://…" />
          </Form.Item>
          <Form.Item label="Format" name="format">
            <Select aria-label="Format" options={['json', 'slack', 'teams'].map((f) => ({ value: f, label: f }))} />
          </Form.Item>
          <Form.Item label="Events" name="events" rules={[{ required: true }]}>
            <Select aria-label="Events" mode="multiple" options={['*', ...EVENTS].map((e) => ({ value: e, label: e === '*' ? 'every event' : e }))} />
          </Form.Item>
          <Form.Item label="Secret" name="secret" rules={[{ required: true, min: 16 }]} extra="Signs every delivery; it is never shown again.">
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={!!rotating}
        title={`Rotate the secret of ${rotating?.name}`}
        okText="Rotate"
        onOk={() => secretForm.submit()}
        onCancel={() => setRotating(null)}
      >
        <Form
          form={secretForm}
          layout="vertical"
          initialValues={{ overlap: '24h' }}
          onFinish={async (v) => {
            await act(() => api(`/webhooks/${rotating!.id}/secret`, { method: 'POST', body: v }), 'Secret rotated')
            setRotating(null)
            secretForm.resetFields()
          }}
        >
          <Form.Item label="New secret" name="secret" rules={[{ required: true, min: 16 }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item label="Overlap" name="overlap" extra="How long the old secret keeps signing too (e.g. 24h; 0s for none).">
            <Input />
          </Form.Item>
        </Form>
      </Modal>
      <Deliveries hook={showing} onClose={() => setShowing(null)} />
    </>
  )
}
