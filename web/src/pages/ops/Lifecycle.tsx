import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd'
import { api, type List, type Repository } from '../../api'
import { formatSize } from '../../tree'
import { durationError, policyBody, summary, type LifecyclePolicy, type LifecycleReport } from './lifecycle'

const durationRule = { validator: (_: unknown, v: string) => (durationError((v ?? '').trim()) ? Promise.reject(new Error(durationError(v.trim()))) : Promise.resolve()) }

// Lifecycle manages the cleanup policies (/lifecycle/policies): list,
// create, edit, delete, preview (a dry run listing exactly what would go)
// and run now.
export default function Lifecycle() {
  const qc = useQueryClient()
  const { modal, message } = App.useApp()
  const [editing, setEditing] = useState<LifecyclePolicy | 'new' | null>(null)
  const [report, setReport] = useState<LifecycleReport | null>(null)
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const policies = useQuery({ queryKey: ['lifecycle'], queryFn: () => api<List<LifecyclePolicy>>('/lifecycle/policies') })
  const repos = useQuery({
    queryKey: ['repositories', 'local'],
    enabled: editing === 'new',
    queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 500 } }),
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['lifecycle'] })
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn()
      message.success(done)
      await refresh()
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  const edit = (p: LifecyclePolicy | 'new') => {
    setError('')
    form.resetFields()
    if (p !== 'new') form.setFieldsValue(p)
    setEditing(p)
  }
  return (
    <>
      <Typography.Title level={2}>Lifecycle policies</Typography.Title>
      <Typography.Paragraph type="secondary">
        Cleanup policies delete old package versions of a local repository; enabled ones run hourly. Preview one to see exactly what a run would
        delete now.
      </Typography.Paragraph>
      {policies.error && <Alert type="error" role="alert" title={(policies.error as Error).message} style={{ marginBottom: 16 }} />}
      <Button type="primary" onClick={() => edit('new')} style={{ marginBottom: 16 }}>
        Create policy
      </Button>
      <Table<LifecyclePolicy>
        rowKey="id"
        aria-label="Lifecycle policies"
        loading={policies.isLoading}
        dataSource={policies.data?.items}
        locale={{ emptyText: 'No cleanup policies' }}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'Repository', dataIndex: 'repository' },
          { title: 'Rules', render: (_, p) => summary(p) },
          {
            title: 'Enabled',
            render: (_, p) => (
              <Switch
                checked={p.enabled}
                aria-label={`Enabled ${p.name}`}
                onChange={(on) => act(() => api(`/lifecycle/policies/${p.id}`, { method: 'PUT', body: { ...policyBody(p), enabled: on } }), on ? 'Enabled' : 'Disabled')}
              />
            ),
          },
          {
            title: 'Last run',
            render: (_, p) =>
              p.last_error ? (
                <Typography.Text type="danger">{p.last_error}</Typography.Text>
              ) : p.last_run_at ? (
                `${new Date(p.last_run_at).toLocaleString()}: ${p.last_deleted} deleted`
              ) : (
                'never'
              ),
          },
          {
            title: 'Actions',
            render: (_, p) => (
              <Space wrap>
                <Button
                  size="small"
                  aria-label={`Preview ${p.name}`}
                  onClick={async () => {
                    try {
                      setReport(await api<LifecycleReport>(`/lifecycle/policies/${p.id}/preview`, { method: 'POST' }))
                    } catch (e) {
                      message.error((e as Error).message)
                    }
                  }}
                >
                  Preview
                </Button>
                <Button size="small" aria-label={`Edit ${p.name}`} onClick={() => edit(p)}>
                  Edit
                </Button>
                <Button
                  size="small"
                  aria-label={`Run ${p.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Run ${p.name} now?`,
                      content: 'It deletes what the preview lists.',
                      okText: 'Run',
                      okButtonProps: { danger: true },
                      onOk: () => act(async () => setReport(await api<LifecycleReport>(`/lifecycle/policies/${p.id}/run`, { method: 'POST' })), 'Done'),
                    })
                  }
                >
                  Run now
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete ${p.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete policy ${p.name}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: () => act(() => api(`/lifecycle/policies/${p.id}`, { method: 'DELETE' }), 'Deleted'),
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
        title={editing === 'new' ? 'Create a cleanup policy' : `Edit ${editing?.name ?? ''}`}
        okText="Save"
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
      >
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
        <Form
          form={form}
          layout="vertical"
          initialValues={{ keep_last: 0, enabled: true }}
          onFinish={async (v: Partial<LifecyclePolicy>) => {
            setError('')
            const existing = editing !== 'new' ? editing : null
            try {
              if (existing) await api(`/lifecycle/policies/${existing.id}`, { method: 'PUT', body: policyBody({ ...v, repository: existing.repository }) })
              else await api('/lifecycle/policies', { method: 'POST', body: policyBody(v) })
              setEditing(null)
              await refresh()
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item label="Name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Repository" name="repository" rules={[{ required: true }]}>
            <Select
              aria-label="Repository"
              disabled={editing !== 'new'}
              showSearch
              loading={repos.isLoading}
              options={(repos.data?.items ?? [])
                .filter((r) => r.repo_type === 'local' || r.repo_type === 'staging')
                .map((r) => ({ value: r.key, label: `${r.key} (${r.format})` }))}
            />
          </Form.Item>
          <Form.Item label="Keep the newest versions" name="keep_last" extra="Per package; 0 keeps none on this count.">
            <InputNumber min={0} aria-label="Keep the newest versions" />
          </Form.Item>
          <Form.Item label="Older than" name="older_than" rules={[durationRule]} extra="e.g. 90d or 720h; empty: any age.">
            <Input />
          </Form.Item>
          <Form.Item label="Not downloaded for" name="not_downloaded_for" rules={[durationRule]}>
            <Input />
          </Form.Item>
          <Form.Item label="Include" name="include" extra="A glob on the package name, e.g. app-*">
            <Input />
          </Form.Item>
          <Form.Item label="Exclude" name="exclude">
            <Input />
          </Form.Item>
          <Form.Item label="Enabled" name="enabled" valuePropName="checked">
            <Switch aria-label="Enabled" />
          </Form.Item>
        </Form>
      </Modal>
      <Drawer open={!!report} onClose={() => setReport(null)} title={report?.dry_run ? `Preview of ${report?.policy}` : `Run of ${report?.policy}`} size="large">
        {report && (
          <>
            <Typography.Paragraph role="status">
              {report.dry_run ? 'Would delete' : 'Deleted'} {(report.items ?? []).length} version(s), {formatSize(report.bytes)}
              {report.truncated && <Tag color="orange">truncated: the rest goes in later runs</Tag>}
            </Typography.Paragraph>
            <Table
              rowKey={(d) => `${d.package}@${d.version ?? ''}`}
              size="small"
              aria-label="Versions to delete"
              dataSource={report.items ?? []}
              locale={{ emptyText: 'Nothing to delete' }}
              columns={[
                { title: 'Package', dataIndex: 'package' },
                { title: 'Version', dataIndex: 'version' },
                { title: 'Files', render: (_, d) => (d.paths ?? []).join(', ') },
                { title: 'Size', render: (_, d) => formatSize(d.bytes) },
                { title: 'Reason', dataIndex: 'reason' },
              ]}
            />
          </>
        )}
      </Drawer>
    </>
  )
}
