import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Descriptions, Input, Select, Space, Spin, Table, Tag, Typography } from 'antd'
import { LockOutlined } from '@ant-design/icons'
import { api, type List } from '../../api'
import { filterSettings, sections, type Setting, type SystemSettings } from './settings'

interface Provider {
  kind: string
  name: string
  display_name: string
}

// Settings shows the effective server configuration read-only
// (GET /system/settings, administrators) and the single sign-on providers
// enabled now (GET /auth/providers). Secrets arrive only as set or not set.
export default function Settings() {
  const settings = useQuery({ queryKey: ['system-settings'], queryFn: () => api<SystemSettings>('/system/settings') })
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api<List<Provider>>('/auth/providers') })
  const [q, setQ] = useState('')
  const [only, setOnly] = useState<string[]>([])
  if (settings.error) return <Alert type="error" role="alert" showIcon title={(settings.error as Error).message} />
  const s = settings.data
  if (!s) return <Spin aria-label="Loading settings" />
  const sum = s.summary
  const enabled = providers.data?.items ?? []
  return (
    <>
      <Typography.Title level={2}>System settings</Typography.Title>
      <Typography.Paragraph type="secondary">
        The configuration this server runs with (file, then KEEPER_* environment, then flags), read-only. Secrets are never sent to the browser:
        each shows only whether it is set.
      </Typography.Paragraph>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Card title="Server">
          <Descriptions column={{ xs: 1, md: 2 }} size="small" aria-label="Server">
            <Descriptions.Item label="Version">{s.version}</Descriptions.Item>
            <Descriptions.Item label="Go">{s.go_version}</Descriptions.Item>
            <Descriptions.Item label="Listen address">
              <Typography.Text code data-testid="listen">
                {sum.listen}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label="Serving on">
              <Typography.Text code data-testid="serving-on">
                {s.serving_on}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label="Base URL">{sum.base_url || 'from the request (no base_url set)'}</Descriptions.Item>
            <Descriptions.Item label="TLS">{sum.tls}</Descriptions.Item>
            <Descriptions.Item label="Data directory">{sum.data_dir}</Descriptions.Item>
            <Descriptions.Item label="Plugin cache">{sum.plugin_cache_dir}</Descriptions.Item>
          </Descriptions>
        </Card>
        <Card title="Storage and search">
          <Descriptions column={1} size="small" aria-label="Storage and search">
            <Descriptions.Item label="Database">
              <Space>
                <Tag color="blue" data-testid="database-kind">
                  {sum.database}
                </Tag>
                <Typography.Text>{sum.database_target}</Typography.Text>
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label="Blob store">
              <Space>
                <Tag color="blue">{sum.blob_store}</Tag>
                <Typography.Text>{sum.blob_target}</Typography.Text>
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label="Search">{sum.search}</Descriptions.Item>
          </Descriptions>
        </Card>
        <Card title="Security and limits">
          <Descriptions column={1} size="small" aria-label="Security and limits">
            <Descriptions.Item label="Egress">{sum.egress}</Descriptions.Item>
            <Descriptions.Item label="Rate limits">{sum.rate_limits}</Descriptions.Item>
            <Descriptions.Item label="Scanners">
              <Space wrap>
                {s.scanners.map((sc) => (
                  <Tag key={sc.name} color={sc.found ? 'green' : 'default'} title={sc.program}>
                    {sc.name}: {sc.found ? sc.program : 'not found'}
                  </Tag>
                ))}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label="SSO providers enabled">
              {enabled.length ? enabled.map((p) => <Tag key={`${p.kind}/${p.name}`}>{`${p.display_name || p.name} (${p.kind})`}</Tag>) : 'none'}
            </Descriptions.Item>
            <Descriptions.Item label="SSO providers in the file">{sum.sso.length ? sum.sso.join(', ') : 'none'}</Descriptions.Item>
          </Descriptions>
        </Card>
        <Card title="Every setting">
          <Space wrap style={{ marginBottom: 12 }}>
            <Input.Search aria-label="Filter settings" placeholder="key or value" allowClear value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 280 }} />
            <Select
              mode="multiple"
              aria-label="Sections"
              placeholder="all sections"
              allowClear
              value={only}
              onChange={setOnly}
              options={sections(s.settings).map((x) => ({ value: x, label: x }))}
              style={{ minWidth: 240 }}
            />
          </Space>
          <Table<Setting>
            rowKey="key"
            size="small"
            aria-label="Settings"
            dataSource={filterSettings(s.settings, q, only)}
            pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
            columns={[
              { title: 'Key', dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
              {
                title: 'Value',
                render: (_, x) =>
                  x.secret ? (
                    <Tag icon={<LockOutlined />} color={x.set ? 'gold' : 'default'}>
                      {x.set ? 'secret set' : 'not set'}
                    </Tag>
                  ) : (
                    x.value || <Typography.Text type="secondary">empty</Typography.Text>
                  ),
              },
            ]}
          />
        </Card>
      </Space>
    </>
  )
}
