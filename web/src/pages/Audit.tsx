import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { DatePicker, Input, Space, Table, Tag, Typography } from 'antd'
import { api, type List } from '../api'

interface Event {
  id: number
  at: string
  actor: string
  action: string
  target: string
  outcome: string
  ip: string
  detail: string
}

export default function Audit() {
  const [f, setF] = useState<{ actor?: string; action?: string; since?: string; until?: string }>({})
  const [page, setPage] = useState({ current: 1, size: 50 })
  const events = useQuery({
    queryKey: ['audit', f, page],
    queryFn: () => api<List<Event>>('/admin/audit', { query: { ...f, offset: (page.current - 1) * page.size, limit: page.size } }),
  })
  return (
    <>
      <Typography.Title level={2}>Audit log</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search aria-label="Actor" placeholder="Actor" allowClear onSearch={(actor) => setF({ ...f, actor })} />
        <Input.Search aria-label="Action" placeholder="Action (e.g. policy.replace)" allowClear onSearch={(action) => setF({ ...f, action })} />
        <DatePicker.RangePicker
          showTime
          aria-label="Time range"
          onChange={(r) => setF({ ...f, since: r?.[0]?.toISOString(), until: r?.[1]?.toISOString() })}
        />
      </Space>
      <Table<Event>
        rowKey="id"
        size="small"
        loading={events.isLoading}
        dataSource={events.data?.items}
        pagination={{ current: page.current, pageSize: page.size, total: events.data?.total, onChange: (current, size) => setPage({ current, size }) }}
        columns={[
          { title: 'When', dataIndex: 'at' },
          { title: 'Actor', dataIndex: 'actor' },
          { title: 'Action', dataIndex: 'action' },
          { title: 'Target', dataIndex: 'target' },
          { title: 'Outcome', dataIndex: 'outcome', render: (o: string) => <Tag color={o === 'success' || o === 'allowed' ? 'green' : 'red'}>{o}</Tag> },
          { title: 'IP', dataIndex: 'ip' },
          { title: 'Detail', dataIndex: 'detail', ellipsis: true },
        ]}
      />
    </>
  )
}
