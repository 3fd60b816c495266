import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Drawer, Form, Input, Modal, Space, Switch, Table, Tag, Typography } from 'antd'
import { api, type List, type User } from '../api'
import { Tokens } from './Tokens'

export default function Users() {
  const qc = useQueryClient()
  const { modal, message } = App.useApp()
  const [page, setPage] = useState({ current: 1, size: 20 })
  const [creating, setCreating] = useState(false)
  const [tokensOf, setTokensOf] = useState<User | null>(null)
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const users = useQuery({
    queryKey: ['users', page],
    queryFn: () => api<List<User>>('/users', { query: { offset: (page.current - 1) * page.size, limit: page.size } }),
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['users'] })
  const patch = async (u: User, body: Partial<User> & { unlock?: boolean }) => {
    try {
      await api(`/users/${u.id}`, { method: 'PATCH', body })
      await refresh()
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  const create = async (v: { username: string; password?: string; email?: string; is_admin?: boolean; service_account?: boolean }) => {
    setError('')
    try {
      await api('/users', { method: 'POST', body: { ...v, must_change_password: !v.service_account } })
      setCreating(false)
      form.resetFields()
      await refresh()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const serviceAccount = Form.useWatch('service_account', form)
  return (
    <>
      <Typography.Title level={2}>Users and service accounts</Typography.Title>
      <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 16 }}>
        Create user or service account
      </Button>
      <Table<User>
        rowKey="id"
        loading={users.isLoading}
        dataSource={users.data?.items}
        pagination={{ current: page.current, pageSize: page.size, total: users.data?.total, onChange: (current, size) => setPage({ current, size }) }}
        columns={[
          { title: 'Username', dataIndex: 'username' },
          { title: 'Email', dataIndex: 'email' },
          {
            title: 'Kind',
            render: (_, u) => (
              <>
                {u.service_account ? <Tag>service account</Tag> : <Tag>user</Tag>}
                {u.is_admin && <Tag color="gold">admin</Tag>}
                {u.disabled && <Tag color="red">disabled</Tag>}
              </>
            ),
          },
          { title: 'Groups', dataIndex: 'groups', render: (g: string[]) => g?.join(', ') },
          {
            title: 'Actions',
            render: (_, u) => (
              <Space wrap>
                <Button size="small" onClick={() => patch(u, { disabled: !u.disabled })}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </Button>
                <Button size="small" onClick={() => setTokensOf(u)}>
                  Tokens
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete ${u.username}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete ${u.username}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: async () => {
                        await api(`/users/${u.id}`, { method: 'DELETE' })
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
      <Modal open={creating} title="Create a user or service account" okText="Create" onOk={() => form.submit()} onCancel={() => setCreating(false)}>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical" onFinish={create}>
          <Form.Item label="Username" name="username" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Service account (no password; API tokens only)" name="service_account" valuePropName="checked">
            <Switch />
          </Form.Item>
          {!serviceAccount && (
            <Form.Item label="Initial password (changed at first sign-in)" name="password" rules={[{ required: true, min: 8 }]}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          )}
          <Form.Item label="Email" name="email">
            <Input />
          </Form.Item>
          <Form.Item label="Administrator" name="is_admin" valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
      <Drawer open={!!tokensOf} title={`API tokens of ${tokensOf?.username}`} size="large" onClose={() => setTokensOf(null)} destroyOnHidden>
        {tokensOf && <Tokens base={`/users/${tokensOf.id}`} />}
      </Drawer>
    </>
  )
}
