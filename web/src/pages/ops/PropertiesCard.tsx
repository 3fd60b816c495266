import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd'
import { Link } from 'react-router'
import { api } from '../../api'
import { keyError, propertiesPath, searchLink, setChange, type Properties, type PropertyChange } from './properties'

interface Row {
  key: string
  values: string[]
}

// PropertiesCard views and edits the properties of a repository, or of the
// artifact at path in it: add, edit (rename, values), delete. Readers see
// them; the server refuses a change from anyone who may not write.
export function PropertiesCard({ repo, path }: { repo: string; path?: string }) {
  const qc = useQueryClient()
  const { message, modal } = App.useApp()
  const [editing, setEditing] = useState<Row | 'new' | null>(null)
  const [error, setError] = useState('')
  const [form] = Form.useForm()
  const qk = ['properties', repo, path ?? '']
  const props = useQuery({ queryKey: qk, queryFn: () => api<{ properties: Properties }>(propertiesPath(repo, path)) })
  const change = async (c: PropertyChange) => {
    const r = await api<{ properties: Properties }>(propertiesPath(repo, path), { method: 'PATCH', body: c })
    qc.setQueryData(qk, r)
  }
  const rows: Row[] = Object.entries(props.data?.properties ?? {})
    .map(([key, values]) => ({ key, values }))
    .sort((a, b) => a.key.localeCompare(b.key))
  const what = path ? 'artifact' : 'repository'
  return (
    <Card
      size="small"
      title="Properties"
      style={{ marginTop: 16 }}
      extra={
        <Button
          size="small"
          onClick={() => {
            setError('')
            form.setFieldsValue({ key: '', values: [] })
            setEditing('new')
          }}
        >
          Add property
        </Button>
      }
    >
      {props.error && <Alert type="error" role="alert" title={(props.error as Error).message} />}
      <Table<Row>
        rowKey="key"
        size="small"
        pagination={false}
        aria-label={`Properties of the ${what}`}
        loading={props.isLoading}
        dataSource={rows}
        locale={{ emptyText: `No properties on this ${what}` }}
        columns={[
          { title: 'Key', dataIndex: 'key' },
          {
            title: 'Values',
            render: (_, r) => (
              <Space wrap size={4}>
                {r.values.map((v) => (
                  <Link key={v} to={searchLink(r.key, v)} aria-label={`Find artifacts with ${r.key}=${v}`}>
                    <Tag>{v}</Tag>
                  </Link>
                ))}
              </Space>
            ),
          },
          {
            title: 'Actions',
            render: (_, r) => (
              <Space>
                <Button
                  size="small"
                  aria-label={`Edit property ${r.key}`}
                  onClick={() => {
                    setError('')
                    form.setFieldsValue({ key: r.key, values: r.values })
                    setEditing(r)
                  }}
                >
                  Edit
                </Button>
                <Button
                  size="small"
                  danger
                  aria-label={`Delete property ${r.key}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete property ${r.key}?`,
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: async () => {
                        try {
                          await change({ remove: [r.key] })
                          message.success(`Deleted ${r.key}`)
                        } catch (e) {
                          message.error((e as Error).message)
                        }
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
      <Modal
        open={editing !== null}
        title={editing === 'new' ? 'Add a property' : `Edit property ${editing?.key ?? ''}`}
        okText="Save"
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
        destroyOnHidden
      >
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          onFinish={async (v: { key: string; values: string[] }) => {
            setError('')
            try {
              await change(setChange(v.key.trim(), v.values ?? [], editing === 'new' ? undefined : editing?.key))
              setEditing(null)
              message.success(`Saved ${v.key}`)
            } catch (e) {
              setError((e as Error).message)
            }
          }}
        >
          <Form.Item
            label="Key"
            name="key"
            rules={[{ validator: (_, k: string) => (keyError((k ?? '').trim()) ? Promise.reject(new Error(keyError((k ?? '').trim()))) : Promise.resolve()) }]}
          >
            <Input placeholder="qa.status" />
          </Form.Item>
          <Form.Item
            label="Values"
            name="values"
            rules={[{ required: true, message: 'At least one value' }]}
            extra="One or more values: type one and press Enter."
          >
            <Select mode="tags" aria-label="Values" open={false} tokenSeparators={[',']} suffixIcon={null} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  )
}
