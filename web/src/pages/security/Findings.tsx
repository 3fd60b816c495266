import { useMemo, useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Descriptions, Drawer, Empty, Form, Input, Popconfirm, Radio, Select, Space, Table, Typography } from 'antd'
import { api, type List, type Repository, type SecurityReport } from '../../api'
import { ArtifactLink, QueryState, SeverityTag, repoKeys } from './common'
import {
  acksFor,
  dateInput,
  expiryError,
  expiryISO,
  fieldError,
  filterFindings,
  gatherFindings,
  severities,
  severityRank,
  type FindingFilter,
  type FindingRow,
} from './logic'
import type { ScanAck } from './types'

const ident = (r: FindingRow) => `${r.id}|${r.package}|${r.installed_version ?? ''}`

// Findings lists the vulnerabilities found in every scanned artifact
// (GET /security/scans), filtered and sorted here: the API answers the
// whole list at once (up to 10,000 artifacts, "truncated" beyond).
export default function Findings() {
  const [filter, setFilter] = useState<FindingFilter>({ status: 'open' })
  const [open, setOpen] = useState<string>('')
  const scans = useQuery({
    queryKey: ['security', 'scans'],
    queryFn: () => api<{ items: SecurityReport[]; truncated?: boolean }>('/security/scans'),
  })
  const acks = useQuery({ queryKey: ['security', 'acks'], queryFn: () => api<{ items: ScanAck[] }>('/security/acknowledgements') })
  const repos = useQuery({ queryKey: ['repositories', 'all'], queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 500 } }) })
  const rows = useMemo(() => gatherFindings(scans.data?.items ?? []), [scans.data])
  const shown = useMemo(() => filterFindings(rows, filter), [rows, filter])
  // The drawer follows the finding across statuses (acknowledged, revoked).
  const current = rows.find((r) => ident(r) === open)
  return (
    <>
      <Typography.Title level={2}>Findings</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }} role="search" aria-label="Filter findings">
        <Select
          mode="multiple"
          allowClear
          aria-label="Filter by severity"
          placeholder="Severity"
          style={{ minWidth: 180 }}
          value={filter.severity ?? []}
          options={severities.map((s) => ({ value: s, label: s }))}
          onChange={(severity) => setFilter({ ...filter, severity })}
        />
        <Select
          allowClear
          showSearch
          aria-label="Filter by repository"
          placeholder="Repository"
          style={{ minWidth: 180 }}
          value={filter.repository}
          options={repoKeys(repos.data?.items)}
          onChange={(repository) => setFilter({ ...filter, repository })}
        />
        <Radio.Group
          aria-label="Status"
          optionType="button"
          value={filter.status}
          onChange={(e) => setFilter({ ...filter, status: e.target.value })}
          options={[
            { value: 'open', label: 'Open' },
            { value: 'acknowledged', label: 'Acknowledged' },
            { value: 'all', label: 'All' },
          ]}
        />
        <Input.Search aria-label="Search findings" placeholder="ID, package or path" allowClear onSearch={(text) => setFilter({ ...filter, text })} />
        <Button onClick={() => void Promise.all([scans.refetch(), acks.refetch()])}>Refresh</Button>
      </Space>
      {scans.data?.truncated && <Alert type="warning" showIcon title="Only the first 10,000 artifacts are read: narrow the list by repository." style={{ marginBottom: 12 }} />}
      <QueryState loading={scans.isLoading} error={scans.error} label="findings">
        <Table<FindingRow>
          rowKey="key"
          size="small"
          aria-label="Findings"
          dataSource={shown}
          locale={{ emptyText: <Empty description={rows.length ? 'No finding matches the filters' : 'No findings: nothing scanned has a known vulnerability'} /> }}
          pagination={{ defaultPageSize: 25, showSizeChanger: true, showTotal: (n) => `${n} findings` }}
          columns={[
            {
              title: 'Severity',
              dataIndex: 'severity',
              sorter: (a, b) => severityRank(a.severity) - severityRank(b.severity),
              render: (s: string) => <SeverityTag s={s} />,
            },
            {
              title: 'ID',
              dataIndex: 'id',
              sorter: (a, b) => a.id.localeCompare(b.id),
              render: (id: string, r) => (
                <Button type="link" onClick={() => setOpen(ident(r))} aria-label={`Details of ${id} in ${r.package}`}>
                  {id}
                </Button>
              ),
            },
            { title: 'Package', dataIndex: 'package', sorter: (a, b) => a.package.localeCompare(b.package) },
            { title: 'Installed', dataIndex: 'installed_version' },
            { title: 'Fixed in', dataIndex: 'fixed_version', render: (v?: string) => v || '—' },
            { title: 'Artifacts', key: 'artifacts', sorter: (a, b) => a.artifacts.length - b.artifacts.length, render: (_, r) => r.artifacts.length },
            { title: 'Status', dataIndex: 'status' },
          ]}
        />
      </QueryState>
      <Drawer open={!!current} size="large" title={current ? `${current.id} in ${current.package}` : ''} onClose={() => setOpen('')} destroyOnHidden>
        {current && <FindingDetails row={current} acks={acksFor(current, acks.data?.items ?? [])} />}
      </Drawer>
    </>
  )
}

function FindingDetails({ row, acks }: { row: FindingRow; acks: ScanAck[] }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<{ scope: string; reason: string; expires: string }>()
  const [error, setError] = useState('')
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['security'] })])
  return (
    <>
      <Descriptions bordered column={1} size="small">
        <Descriptions.Item label="Severity">
          <SeverityTag s={row.severity} />
        </Descriptions.Item>
        <Descriptions.Item label="Aliases">{(row.aliases ?? []).join(', ') || '—'}</Descriptions.Item>
        {row.title && <Descriptions.Item label="Title">{row.title}</Descriptions.Item>}
        <Descriptions.Item label="Package">{row.package}</Descriptions.Item>
        <Descriptions.Item label="Installed version">{row.installed_version || '—'}</Descriptions.Item>
        <Descriptions.Item label="Fixed version">{row.fixed_version || 'no fix known'}</Descriptions.Item>
        <Descriptions.Item label="Scanners">{(row.sources ?? []).join(', ') || '—'}</Descriptions.Item>
        <Descriptions.Item label="Status">{row.status}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={4}>Affected artifacts</Typography.Title>
      <ul aria-label="Affected artifacts">
        {row.artifacts.map((a) => (
          <li key={a.repository + '/' + a.path}>
            <ArtifactLink {...a} />
          </li>
        ))}
      </ul>
      <Typography.Title level={4}>Acknowledgements</Typography.Title>
      {acks.length === 0 && <Typography.Paragraph type="secondary">None.</Typography.Paragraph>}
      <ul aria-label="Acknowledgements">
        {acks.map((a) => (
          <li key={a.id}>
            <Space wrap>
              <span>
                {a.vulnerability_id} in {a.repository || 'every repository'} by {a.created_by}, until {a.expires_at.slice(0, 10)}: {a.reason}
              </span>
              <Popconfirm
                title="Revoke this acknowledgement?"
                description="The finding counts again in scores and blocks."
                okText="Revoke"
                onConfirm={async () => {
                  try {
                    await api(`/security/acknowledgements/${a.id}`, { method: 'DELETE' })
                    message.success('Acknowledgement revoked')
                    await refresh()
                  } catch (e) {
                    message.error((e as Error).message)
                  }
                }}
              >
                <Button danger size="small">
                  Revoke
                </Button>
              </Popconfirm>
            </Space>
          </li>
        ))}
      </ul>
      {row.status === 'open' && (
        <>
          <Typography.Title level={4}>Acknowledge</Typography.Title>
          {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
          <Form
            form={form}
            layout="vertical"
            initialValues={{ scope: row.repositories.length === 1 ? row.repositories[0] : '', expires: dateInput(90) }}
            onFinish={async (v) => {
              setError('')
              try {
                await api('/security/acknowledgements', {
                  method: 'POST',
                  body: { vulnerability_id: row.id, repository: v.scope || undefined, reason: v.reason.trim(), expires_at: expiryISO(v.expires) },
                })
                message.success(`${row.id} acknowledged`)
                await refresh()
              } catch (e) {
                const fe = fieldError(e, ['reason', 'expires_at', 'repository'])
                if (fe.field === 'reason') form.setFields([{ name: 'reason', errors: [fe.message] }])
                else if (fe.field === 'expires_at') form.setFields([{ name: 'expires', errors: [fe.message] }])
                else setError(fe.message)
              }
            }}
          >
            <Form.Item name="scope" label="Where" htmlFor="ack-scope">
              <Select
                id="ack-scope"
                aria-label="Where"
                options={[{ value: '', label: 'Every repository' }, ...row.repositories.map((r) => ({ value: r, label: `Repository ${r}` }))]}
              />
            </Form.Item>
            <Form.Item name="reason" label="Reason" rules={[{ required: true, whitespace: true, message: 'Say why this finding is acceptable' }]}>
              <Input.TextArea rows={2} maxLength={1000} />
            </Form.Item>
            <Form.Item
              name="expires"
              label="Expires"
              rules={[{ validator: (_, v: string) => (expiryError(v ?? '') ? Promise.reject(new Error(expiryError(v ?? ''))) : Promise.resolve()) }]}
            >
              <Input type="date" />
            </Form.Item>
            <Button type="primary" htmlType="submit">
              Acknowledge
            </Button>
          </Form>
        </>
      )}
    </>
  )
}
