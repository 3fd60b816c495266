import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { PlusOutlined } from '@ant-design/icons'
import { Link } from 'react-router'
import { ApiError, api, type Format, type List, type Repository } from '../api'
import { RepoForm } from './RepoForm'

export default function Repositories() {
  const [filter, setFilter] = useState({ format: '', type: '', q: '' })
  const [page, setPage] = useState({ current: 1, size: 20 })
  const [editing, setEditing] = useState<{ open: boolean; repo?: Repository }>({ open: false })
  const qc = useQueryClient()
  const { modal, message } = App.useApp()
  const formats = useQuery({ queryKey: ['formats'], queryFn: () => api<List<Format>>('/formats') })
  const repos = useQuery({
    queryKey: ['repositories', filter, page],
    queryFn: () =>
      api<List<Repository>>('/repositories', {
        query: { ...filter, offset: (page.current - 1) * page.size, limit: page.size },
      }),
  })
  const remove = (r: Repository) =>
    modal.confirm({
      title: `Delete repository ${r.key}?`,
      content: 'Its artifacts are deleted with it. This cannot be undone.',
      okText: 'Delete',
      okButtonProps: { danger: true },
      onOk: async () => {
        const del = (force: boolean) => api(`/repositories/${encodeURIComponent(r.key)}`, { method: 'DELETE', query: { force: force || undefined } })
        try {
          await del(false)
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 409) throw e
          await new Promise<void>((resolve, reject) =>
            modal.confirm({
              title: `${r.key} is not empty`,
              content: e.message + ' Delete it with everything in it?',
              okText: 'Delete everything',
              okButtonProps: { danger: true },
              onOk: () => del(true).then(() => resolve(), reject),
              onCancel: () => reject(new Error('cancelled')),
            }),
          )
        }
        message.success(`Deleted ${r.key}`)
        await qc.invalidateQueries({ queryKey: ['repositories'] })
      },
    })
  return (
    <>
      <Typography.Title level={2}>Repositories</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search aria-label="Search repositories" placeholder="Search key, name, description" allowClear onSearch={(q) => setFilter({ ...filter, q })} style={{ width: 280 }} />
        <Select
          aria-label="Filter by format"
          placeholder="Any format"
          allowClear
          style={{ width: 160 }}
          options={(formats.data?.items ?? []).map((f) => ({ value: f.key, label: f.display_name }))}
          onChange={(format) => setFilter({ ...filter, format: format ?? '' })}
        />
        <Select
          aria-label="Filter by type"
          placeholder="Any type"
          allowClear
          style={{ width: 140 }}
          options={['local', 'remote', 'virtual'].map((t) => ({ value: t, label: t }))}
          onChange={(type) => setFilter({ ...filter, type: type ?? '' })}
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ open: true })}>
          Create repository
        </Button>
      </Space>
      <Table<Repository>
        rowKey="key"
        loading={repos.isLoading}
        dataSource={repos.data?.items}
        pagination={{ current: page.current, pageSize: page.size, total: repos.data?.total, onChange: (current, size) => setPage({ current, size }) }}
        columns={[
          { title: 'Key', dataIndex: 'key', render: (k: string) => <Link to={`/repositories/${k}`}>{k}</Link> },
          { title: 'Format', dataIndex: 'format', render: (f: string) => <Tag>{f}</Tag> },
          { title: 'Type', dataIndex: 'repo_type' },
          { title: 'Public', dataIndex: 'is_public', render: (p: boolean) => (p ? 'yes' : 'no') },
          { title: 'Description', dataIndex: 'description', ellipsis: true },
          {
            title: 'Actions',
            render: (_, r) => (
              <Space>
                <Button size="small" onClick={() => setEditing({ open: true, repo: r })} aria-label={`Edit ${r.key}`}>
                  Edit
                </Button>
                <Button size="small" danger onClick={() => remove(r)} aria-label={`Delete ${r.key}`}>
                  Delete
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <RepoForm
        open={editing.open}
        repo={editing.repo}
        onClose={(changed) => {
          setEditing({ open: false })
          if (changed) void qc.invalidateQueries({ queryKey: ['repositories'] })
        }}
      />
    </>
  )
}
