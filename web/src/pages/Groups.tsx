import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Form, Input, Modal, Select, Space, Table, Typography } from 'antd'
import { api, type Group, type List, type User } from '../api'

export default function Groups() {
  const qc = useQueryClient()
  const { modal } = App.useApp()
  const [creating, setCreating] = useState(false)
  const [editing, setEditing] = useState<Group | null>(null)
  const [members, setMembers] = useState<number[]>([])
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const groups = useQuery({ queryKey: ['groups'], queryFn: () => api<List<Group>>('/groups', { query: { limit: 500 } }) })
  const users = useQuery({ queryKey: ['users', 'all'], queryFn: () => api<List<User>>('/users', { query: { limit: 500 } }) })
  const name = (id: number) => users.data?.items.find((u) => u.id === id)?.username ?? `#${id}`
  const refresh = () => qc.invalidateQueries({ queryKey: ['groups'] })
  const openMembers = async (g: Group) => {
    const full = await api<Group>(`/groups/${g.id}`)
    setMembers(full.members ?? [])
    setEditing(full)
  }
  return (
    <>
      <Typography.Title level={2}>Groups</Typography.Title>
      <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 16 }}>
        Create group
      </Button>
      <Table<Group>
        rowKey="id"
        loading={groups.isLoading}
        dataSource={groups.data?.items}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'Description', dataIndex: 'description' },
          { title: 'Members', render: (_, g) => (g.members ?? []).map(name).join(', ') },
          {
            title: 'Actions',
            render: (_, g) => (
              <Space>
                <Button size="small" onClick={() => openMembers(g)}>
                  Members
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete group ${g.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete group ${g.name}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: async () => {
                        await api(`/groups/${g.id}`, { method: 'DELETE' })
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
      <Modal open={creating} title="Create a group" okText="Create" onOk={() => form.submit()} onCancel={() => setCreating(false)}>
        {error && <Alert type="error" title={error} role="alert" />}
        <Form
          form={form}
          layout="vertical"
          onFinish={async (v) => {
            setError('')
            try {
              await api('/groups', { method: 'POST', body: v })
              setCreating(false)
              form.resetFields()
              await refresh()
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item label="Group name" name="name" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Description" name="description">
            <Input />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={!!editing}
        title={`Members of ${editing?.name}`}
        okText="Save"
        onCancel={() => setEditing(null)}
        onOk={async () => {
          await api(`/groups/${editing!.id}/members`, { method: 'PUT', body: { members } })
          setEditing(null)
          await refresh()
        }}
      >
        <Select
          aria-label="Members"
          mode="multiple"
          style={{ width: '100%' }}
          value={members}
          onChange={setMembers}
          options={(users.data?.items ?? []).map((u) => ({ value: u.id, label: u.username }))}
        />
      </Modal>
    </>
  )
}
