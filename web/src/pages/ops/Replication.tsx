import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Checkbox, Form, Input, InputNumber, Modal, Radio, Select, Space, Switch, Table, Tabs, Tag, Typography } from 'antd'
import { api, type List } from '../../api'
import { formatSize } from '../../tree'
import { cronError, policyBody, policyForm, scheduleText, selectorText, windowError, type Peer, type PolicyForm, type ReplicationStatus, type SyncPolicy } from './replication'

function useAct(keys: string[][]) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  return async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn()
      message.success(done)
    } catch (e) {
      message.error((e as Error).message)
    }
    await Promise.all(keys.map((k) => qc.invalidateQueries({ queryKey: k })))
  }
}

function Peers({ peers }: { peers: ReturnType<typeof usePeers> }) {
  const { modal } = App.useApp()
  const act = useAct([['peers'], ['replication-status']])
  const [adding, setAdding] = useState(false)
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  return (
    <>
      <Button type="primary" onClick={() => setAdding(true)} style={{ marginBottom: 16 }}>
        Add peer
      </Button>
      {peers.error && <Alert type="error" role="alert" title={(peers.error as Error).message} />}
      <Table<Peer>
        rowKey="id"
        aria-label="Peers"
        loading={peers.isLoading}
        dataSource={peers.data?.items}
        locale={{ emptyText: 'No peers' }}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'URL', dataIndex: 'endpoint_url', ellipsis: true },
          { title: 'Instance', render: (_, p) => p.remote_name || p.instance_id },
          {
            title: 'Status',
            render: (_, p) => (
              <Space orientation="vertical" size={0}>
                <Tag color={p.online ? 'green' : 'red'} data-testid={`peer-status-${p.name}`}>
                  {p.online ? 'online' : 'offline'}
                </Tag>
                {p.last_error && <Typography.Text type="danger">{p.last_error}</Typography.Text>}
              </Space>
            ),
          },
          { title: 'Last seen', render: (_, p) => (p.last_seen_at ? new Date(p.last_seen_at).toLocaleString() : 'never') },
          { title: 'Bandwidth', render: (_, p) => (p.max_bytes_per_second ? `${formatSize(p.max_bytes_per_second)}/s` : 'unlimited') },
          {
            title: 'Actions',
            render: (_, p) => (
              <Space>
                <Button size="small" aria-label={`Sync ${p.name} now`} onClick={() => act(() => api(`/peers/${p.id}/sync`, { method: 'POST' }), 'Sync queued')}>
                  Sync now
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Remove peer ${p.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Remove peer ${p.name}?`,
                      content: 'Its queued transfers go too.',
                      okText: 'Remove',
                      okButtonProps: { danger: true },
                      onOk: () => act(() => api(`/peers/${p.id}`, { method: 'DELETE' }), 'Removed'),
                    })
                  }
                >
                  Remove
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal open={adding} title="Add a peer" okText="Add" onOk={() => form.submit()} onCancel={() => setAdding(false)}>
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
        <Form
          form={form}
          name="peer"
          layout="vertical"
          onFinish={async (v: { name: string; endpoint_url: string; api_key: string; max_bytes_per_second?: number }) => {
            setError('')
            try {
              await api('/peers', { method: 'POST', body: { ...v, max_bytes_per_second: v.max_bytes_per_second ?? 0 } })
              setAdding(false)
              form.resetFields()
              await act(async () => undefined, `Added ${v.name}`)
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item label="Name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="URL" name="endpoint_url" rules={[{ required: true }]}>
            <Input placeholder="https://keeper-eu.example" />
          </Form.Item>
          <Form.Item label="API key" name="api_key" rules={[{ required: true }]} extra="An API token of an administrator of the peer; stored sealed and never shown again.">
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item label="Bandwidth limit (bytes/s)" name="max_bytes_per_second" extra="Empty: unlimited.">
            <InputNumber min={0} aria-label="Bandwidth limit (bytes/s)" style={{ width: 200 }} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  )
}

function Policies({ peers }: { peers: Peer[] }) {
  const { modal } = App.useApp()
  const act = useAct([['sync-policies']])
  const [editing, setEditing] = useState<SyncPolicy | 'new' | null>(null)
  const [error, setError] = useState('')
  const [form] = Form.useForm<PolicyForm>()
  const priority = Form.useWatch('priority', form)
  const kind = Form.useWatch('schedule_kind', form)
  const allPeers = Form.useWatch('all_peers', form)
  const policies = useQuery({ queryKey: ['sync-policies'], queryFn: () => api<List<SyncPolicy>>('/sync-policies') })
  const edit = (p: SyncPolicy | 'new') => {
    setError('')
    form.resetFields()
    if (p !== 'new') form.setFieldsValue(policyForm(p))
    setEditing(p)
  }
  const peerName = (id: number) => peers.find((p) => p.id === id)?.name ?? `#${id}`
  return (
    <>
      <Button type="primary" onClick={() => edit('new')} style={{ marginBottom: 16 }}>
        Create sync policy
      </Button>
      {policies.error && <Alert type="error" role="alert" title={(policies.error as Error).message} />}
      <Table<SyncPolicy>
        rowKey="id"
        aria-label="Sync policies"
        loading={policies.isLoading}
        dataSource={policies.data?.items}
        locale={{ emptyText: 'No sync policies' }}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'Repositories', render: (_, p) => selectorText(p.repo_selector) },
          { title: 'Peers', render: (_, p) => (p.peer_selector.all ? 'every peer' : (p.peer_selector.ids ?? []).map(peerName).join(', ')) },
          { title: 'Mode', dataIndex: 'replication_mode' },
          { title: 'When', render: (_, p) => scheduleText(p) },
          { title: 'Enabled', render: (_, p) => <Tag color={p.enabled ? 'green' : 'default'}>{p.enabled ? 'yes' : 'no'}</Tag> },
          {
            title: 'Actions',
            render: (_, p) => (
              <Space>
                <Button size="small" aria-label={`Edit ${p.name}`} onClick={() => edit(p)}>
                  Edit
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete ${p.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete sync policy ${p.name}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: () => act(() => api(`/sync-policies/${p.id}`, { method: 'DELETE' }), 'Deleted'),
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
      <Modal
        open={editing !== null}
        title={editing === 'new' ? 'Create a sync policy' : `Edit ${editing?.name ?? ''}`}
        okText="Save"
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
      >
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
        <Form<PolicyForm>
          form={form}
          name="sync-policy"
          layout="vertical"
          initialValues={{ replication_mode: 'push', priority: 'immediate', schedule_kind: 'every', all_peers: true, enabled: true }}
          onFinish={async (v) => {
            setError('')
            try {
              if (editing && editing !== 'new') await api(`/sync-policies/${editing.id}`, { method: 'PUT', body: policyBody(v) })
              else await api('/sync-policies', { method: 'POST', body: policyBody(v) })
              setEditing(null)
              await act(async () => undefined, `Saved ${v.name}`)
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item label="Name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Repository keys" name="keys">
            <Select mode="tags" aria-label="Repository keys" open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item label="Repository patterns" name="patterns" extra="Globs such as libs-*; no keys, patterns or formats: every local repository.">
            <Select mode="tags" aria-label="Repository patterns" open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item label="Formats" name="formats">
            <Select mode="tags" aria-label="Formats" open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item label="Repository labels" name="repo_labels" extra="key=value or key: the repository's properties must hold every one.">
            <Select mode="tags" aria-label="Repository labels" open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item name="all_peers" valuePropName="checked">
            <Checkbox>Every peer</Checkbox>
          </Form.Item>
          {!allPeers && (
            <Form.Item label="Peers" name="peer_ids">
              <Select mode="multiple" aria-label="Peers" options={peers.map((p) => ({ value: p.id, label: p.name }))} />
            </Form.Item>
          )}
          {!allPeers && (
            <Form.Item label="Peer labels" name="peer_labels" extra="key=value or key: the peer's labels must hold every one.">
              <Select mode="tags" aria-label="Peer labels" open={false} suffixIcon={null} />
            </Form.Item>
          )}
          <Form.Item label="Mode" name="replication_mode">
            <Radio.Group aria-label="Mode" options={['push', 'pull', 'mirror'].map((m) => ({ value: m, label: m }))} />
          </Form.Item>
          <Form.Item label="Priority" name="priority">
            <Radio.Group
              aria-label="Priority"
              options={[
                { value: 'immediate', label: 'immediate' },
                { value: 'scheduled', label: 'scheduled' },
                { value: 'on_demand', label: 'on demand' },
              ]}
            />
          </Form.Item>
          {priority === 'scheduled' && (
            <>
              <Form.Item label="Schedule" name="schedule_kind">
                <Radio.Group aria-label="Schedule" options={[{ value: 'every', label: 'every' }, { value: 'cron', label: 'cron' }]} />
              </Form.Item>
              <Form.Item
                label={kind === 'cron' ? 'Cron expression (UTC)' : 'Interval'}
                name="schedule"
                rules={[
                  { required: true },
                  { validator: (_, s: string) => (kind === 'cron' && s && cronError(s) ? Promise.reject(new Error(cronError(s))) : Promise.resolve()) },
                ]}
              >
                <Input placeholder={kind === 'cron' ? '0 2 * * *' : '6h'} />
              </Form.Item>
            </>
          )}
          <Form.Item
            label="Sync window"
            name="sync_window"
            rules={[{ validator: (_, s: string) => (windowError((s ?? '').trim()) ? Promise.reject(new Error(windowError(s.trim()))) : Promise.resolve()) }]}
            extra="HH:MM-HH:MM UTC: transfers start only inside it; empty: any time."
          >
            <Input placeholder="22:00-06:00" />
          </Form.Item>
          <Form.Item name="delete_repositories" valuePropName="checked">
            <Checkbox>Replicate repository deletions</Checkbox>
          </Form.Item>
          <Form.Item label="Enabled" name="enabled" valuePropName="checked">
            <Switch aria-label="Enabled" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  )
}

function Status({ peers }: { peers: Peer[] }) {
  const status = useQuery({ queryKey: ['replication-status'], queryFn: () => api<ReplicationStatus>('/replication/status'), refetchInterval: 5000 })
  const peerName = (id: number) => peers.find((p) => p.id === id)?.name ?? `#${id}`
  return (
    <>
      {status.error && <Alert type="error" role="alert" title={(status.error as Error).message} />}
      <Card size="small" title="Transfers by peer" style={{ marginBottom: 16 }}>
        <Table
          rowKey="peer_id"
          size="small"
          aria-label="Transfers by peer"
          pagination={false}
          loading={status.isLoading}
          dataSource={status.data?.peers ?? []}
          locale={{ emptyText: 'Nothing sent since this server started' }}
          columns={[
            { title: 'Peer', render: (_, r) => peerName(r.peer_id) },
            { title: 'Files sent', dataIndex: 'files_sent' },
            { title: 'Skipped', dataIndex: 'files_skipped' },
            { title: 'Sent', render: (_, r) => formatSize(r.bytes_sent) },
            { title: 'Still to send', render: (_, r) => formatSize(r.bytes_needed) },
            { title: 'Deletes', dataIndex: 'deletes' },
            { title: 'Failures', dataIndex: 'failures' },
          ]}
        />
      </Card>
      <Card size="small" title="Queue">
        <Table
          rowKey="id"
          size="small"
          aria-label="Replication queue"
          loading={status.isLoading}
          dataSource={status.data?.tasks ?? []}
          locale={{ emptyText: 'The queue is empty' }}
          columns={[
            { title: 'Peer', render: (_, t) => peerName(t.peer_id) },
            { title: 'Repository', dataIndex: 'repository' },
            { title: 'Path', dataIndex: 'path' },
            { title: 'Due', render: (_, t) => (t.held ? <Tag>held (on demand)</Tag> : new Date(t.due_at).toLocaleString()) },
            { title: 'Attempts', dataIndex: 'attempts' },
            { title: 'Last error', dataIndex: 'last_error' },
          ]}
        />
      </Card>
    </>
  )
}

function usePeers() {
  return useQuery({ queryKey: ['peers'], queryFn: () => api<List<Peer>>('/peers'), refetchInterval: 15000 })
}

// Replication manages peers (added with a write-only API key; online state
// from their heartbeats), sync policies, and shows the transfer counters and
// queue of this server.
export default function Replication() {
  const peers = usePeers()
  const list = peers.data?.items ?? []
  return (
    <>
      <Typography.Title level={2}>Replication</Typography.Title>
      <Tabs
        items={[
          { key: 'peers', label: 'Peers', children: <Peers peers={peers} /> },
          { key: 'policies', label: 'Sync policies', children: <Policies peers={list} /> },
          { key: 'status', label: 'Status', children: <Status peers={list} /> },
        ]}
      />
    </>
  )
}
