import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Input, Popconfirm, Space, Table, Typography } from 'antd'
import { api } from '../../api'
import type { MaliciousPackage } from './curation'

// Malicious shows the known-malicious list (GET /curation/malicious), adds
// entries as JSON or OSV records (POST) and removes one (DELETE).
export default function Malicious() {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [text, setText] = useState('')
  const [error, setError] = useState('')
  const [adding, setAdding] = useState(false)
  const list = useQuery({ queryKey: ['curation', 'malicious'], queryFn: () => api<{ items: MaliciousPackage[] }>('/curation/malicious') })
  const add = async () => {
    setError('')
    setAdding(true)
    try {
      const r = await api<{ items: MaliciousPackage[] }>('/curation/malicious', { method: 'POST', raw: text, query: { source: 'ui' } })
      message.success(`${r.items.length} ${r.items.length === 1 ? 'entry' : 'entries'} added`)
      setText('')
      await qc.invalidateQueries({ queryKey: ['curation', 'malicious'] })
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setAdding(false)
    }
  }
  const remove = async (m: MaliciousPackage) => {
    try {
      await api(`/curation/malicious/${m.id}`, { method: 'DELETE' })
      message.success(`${m.name} removed from the list`)
      await qc.invalidateQueries({ queryKey: ['curation', 'malicious'] })
    } catch (e) {
      message.error((e as Error).message)
    }
  }
  return (
    <>
      <Card title="Add entries" style={{ maxWidth: 760, marginBottom: 16 }}>
        <Typography.Paragraph type="secondary">
          A JSON array of <code>{'{"name", "versions", "reason"}'}</code> (no versions: every version), or OSV records. An entry replaces the one
          of the same name.
        </Typography.Paragraph>
        <Input.TextArea rows={4} value={text} onChange={(e) => setText(e.target.value)} aria-label="Entries (JSON or OSV)" />
        {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginTop: 8 }} />}
        <Space style={{ marginTop: 8 }}>
          <Button type="primary" onClick={add} loading={adding} disabled={!text.trim()}>
            Add to the list
          </Button>
        </Space>
      </Card>
      {list.error && <Alert type="error" role="alert" title={(list.error as Error).message} />}
      <Table<MaliciousPackage>
        rowKey="id"
        aria-label="Known-malicious packages"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: 'The list is empty' }}
        columns={[
          { title: 'Package', dataIndex: 'name' },
          { title: 'Versions', render: (_, m) => (m.versions?.length ? m.versions.join(', ') : 'every version') },
          { title: 'Reason', dataIndex: 'reason' },
          { title: 'Source', dataIndex: 'source' },
          { title: 'Added', render: (_, m) => `${new Date(m.added_at).toLocaleString()} by ${m.added_by}` },
          {
            title: '',
            render: (_, m) => (
              <Popconfirm title={`Remove ${m.name} from the list?`} onConfirm={() => remove(m)} okText="Remove">
                <Button danger size="small" aria-label={`Remove ${m.name}`}>
                  Remove
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
    </>
  )
}
