import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Table, Typography } from 'antd'
import { api, type List, type TokenInfo } from '../api'

// The scopes of core/auth (docs/authorization.md).
const scopes = ['read:artifacts', 'write:artifacts', 'delete:artifacts', 'read:repositories', 'write:repositories', 'account', 'admin']

// Tokens lists, mints and revokes API tokens of base ("/users/me" or
// "/users/{id}"); a new token's secret is shown once.
export function Tokens({ base }: { base: string }) {
  const { modal, message } = App.useApp()
  const tokens = useQuery({ queryKey: ['tokens', base], queryFn: () => api<List<TokenInfo>>(`${base}/tokens`) })
  const [creating, setCreating] = useState(false)
  const [secret, setSecret] = useState('')
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const create = async (v: { name: string; scopes: string[]; repositories?: string; expires_in_days?: number }) => {
    setError('')
    try {
      const t = await api<{ token: string }>(`${base}/tokens`, {
        method: 'POST',
        body: {
          name: v.name,
          scopes: v.scopes,
          repositories: v.repositories ? v.repositories.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
          expires_in_days: v.expires_in_days || undefined,
        },
      })
      setCreating(false)
      form.resetFields()
      setSecret(t.token)
      await tokens.refetch()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const revoke = (t: TokenInfo) =>
    modal.confirm({
      title: `Revoke token ${t.name}?`,
      okText: 'Revoke',
      okButtonProps: { danger: true },
      onOk: async () => {
        await api(`${base}/tokens/${t.id}`, { method: 'DELETE' })
        message.success(`Revoked ${t.name}`)
        await tokens.refetch()
      },
    })
  return (
    <>
      <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 12 }}>
        Create token
      </Button>
      {secret && (
        <Alert
          type="success"
          closable={{ onClose: () => setSecret(''), 'aria-label': 'Close' }}
          style={{ marginBottom: 12 }}
          title="Copy your new token now: it will not be shown again."
          description={
            <Typography.Text copyable code aria-label="New token">
              {secret}
            </Typography.Text>
          }
        />
      )}
      <Table<TokenInfo>
        rowKey="id"
        size="small"
        loading={tokens.isLoading}
        dataSource={tokens.data?.items}
        pagination={false}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'Prefix', dataIndex: 'prefix', render: (p: string) => <code>{p}</code> },
          { title: 'Scopes', dataIndex: 'scopes', render: (s: string[]) => s?.join(', ') },
          { title: 'Repositories', dataIndex: 'repositories', render: (r: string[] | null) => r?.join(', ') || 'all' },
          { title: 'Expires', dataIndex: 'expires_at', render: (d: string | null) => d ?? 'never' },
          { title: 'Last used', dataIndex: 'last_used_at', render: (d: string | null) => d ?? '—' },
          {
            title: 'Actions',
            render: (_, t) =>
              t.revoked_at ? (
                'revoked'
              ) : (
                <Button size="small" danger onClick={() => revoke(t)} aria-label={`Revoke ${t.name}`}>
                  Revoke
                </Button>
              ),
          },
        ]}
      />
      <Modal open={creating} title="Create an API token" okText="Create" onOk={() => form.submit()} onCancel={() => setCreating(false)}>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical" onFinish={create} initialValues={{ scopes: ['read:artifacts'] }}>
          <Form.Item label="Token name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Scopes" name="scopes" rules={[{ required: true }]}>
            <Select mode="multiple" options={scopes.map((s) => ({ value: s, label: s }))} />
          </Form.Item>
          <Form.Item label="Repositories (patterns, comma separated; empty for all)" name="repositories">
            <Input />
          </Form.Item>
          <Form.Item label="Expires in days (empty: never)" name="expires_in_days">
            <InputNumber min={1} max={3650} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  )
}
