import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd'
import { api, type List } from '../api'

interface Provider {
  kind: string
  name: string
  display_name: string
  enabled: boolean
  config: Record<string, unknown>
  secrets_set?: string[]
}

// The settings each kind needs are documented with the API (core/sso);
// the form edits them as JSON so that every key is reachable.
const examples: Record<string, object> = {
  ldap: { url: 'ldaps://ldap.example.org', bind_dn: '', bind_password: '', user_base_dn: 'ou=people,dc=example,dc=org', user_filter: '(uid={username})' },
  oidc: { issuer: 'https://id.example.org', client_id: '', client_secret: '' },
  saml: { idp_metadata_url: 'https://idp.example.org/metadata' },
}

export default function SSO() {
  const qc = useQueryClient()
  const { modal } = App.useApp()
  const [editing, setEditing] = useState<{ open: boolean; p?: Provider }>({ open: false })
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const list = useQuery({ queryKey: ['sso'], queryFn: () => api<List<Provider>>('/admin/sso') })
  const refresh = () => qc.invalidateQueries({ queryKey: ['sso'] })
  const open = (p?: Provider) => {
    setError('')
    form.setFieldsValue(
      p
        ? { kind: p.kind, name: p.name, display_name: p.display_name, enabled: p.enabled, config: JSON.stringify(p.config, null, 2) }
        : { kind: 'oidc', name: '', display_name: '', enabled: true, config: JSON.stringify(examples.oidc, null, 2) },
    )
    setEditing({ open: true, p })
  }
  const save = async (v: { kind: string; name: string; display_name: string; enabled: boolean; config: string }) => {
    setError('')
    let config: unknown
    try {
      config = JSON.parse(v.config)
    } catch {
      setError('Settings: not valid JSON')
      return
    }
    try {
      if (editing.p) await api(`/admin/sso/${v.kind}/${encodeURIComponent(v.name)}`, { method: 'PUT', body: { display_name: v.display_name, enabled: v.enabled, config } })
      else await api(`/admin/sso/${v.kind}`, { method: 'POST', body: { name: v.name, display_name: v.display_name, enabled: v.enabled, config } })
      setEditing({ open: false })
      await refresh()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <>
      <Typography.Title level={2}>Single sign-on providers</Typography.Title>
      <Button type="primary" onClick={() => open()} style={{ marginBottom: 16 }}>
        Add provider
      </Button>
      {list.error && <Alert type="warning" title={(list.error as Error).message} />}
      <Table<Provider>
        rowKey={(p) => p.kind + '/' + p.name}
        loading={list.isLoading}
        dataSource={list.data?.items}
        columns={[
          { title: 'Kind', dataIndex: 'kind', render: (k: string) => <Tag>{k}</Tag> },
          { title: 'Name', dataIndex: 'name' },
          { title: 'Display name', dataIndex: 'display_name' },
          { title: 'Enabled', dataIndex: 'enabled', render: (e: boolean) => (e ? 'yes' : 'no') },
          {
            title: 'Actions',
            render: (_, p) => (
              <Space>
                <Button size="small" onClick={() => open(p)}>
                  Edit
                </Button>
                <Button
                  size="small"
                  danger
                  onClick={() =>
                    modal.confirm({
                      title: `Delete ${p.kind} provider ${p.name}?`,
                      content: 'Its identity links are deleted too.',
                      okButtonProps: { danger: true },
                      onOk: async () => {
                        await api(`/admin/sso/${p.kind}/${encodeURIComponent(p.name)}`, { method: 'DELETE' })
                        await refresh()
                      },
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
      <Modal open={editing.open} title={editing.p ? `Edit ${editing.p.name}` : 'Add a provider'} okText="Save" onOk={() => form.submit()} onCancel={() => setEditing({ open: false })} width={640}>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical" onFinish={save}>
          <Form.Item label="Kind" name="kind">
            <Select
              disabled={!!editing.p}
              options={['ldap', 'oidc', 'saml'].map((k) => ({ value: k, label: k.toUpperCase() }))}
              onChange={(k: string) => form.setFieldValue('config', JSON.stringify(examples[k], null, 2))}
            />
          </Form.Item>
          <Form.Item label="Name" name="name" rules={[{ required: true }]}>
            <Input disabled={!!editing.p} />
          </Form.Item>
          <Form.Item label="Display name" name="display_name">
            <Input />
          </Form.Item>
          <Form.Item label="Enabled" name="enabled" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item label="Settings (JSON; secrets left empty keep their value)" name="config">
            <Input.TextArea autoSize={{ minRows: 6 }} spellCheck={false} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  )
}
