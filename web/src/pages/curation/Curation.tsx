import { useEffect, useState } from 'react'
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Input, InputNumber, Select, Space, Switch, Table, Tabs, Tag, Typography } from 'antd'
import { api, type List, type Repository } from '../../api'
import { QueryState } from '../security/common'
import { summary, toRules, toValues, type CurationRules, type RuleValues } from './curation'
import Blocks from './Blocks'
import Malicious from './Malicious'

const GLOBAL = ''
const severities = [
  { value: '', label: 'No limit' },
  { value: 'CRITICAL', label: 'CRITICAL' },
  { value: 'HIGH', label: 'HIGH' },
  { value: 'MEDIUM', label: 'MEDIUM' },
  { value: 'LOW', label: 'LOW' },
]
const rulesPath = (scope: string) => '/curation/rules' + (scope ? '/' + encodeURIComponent(scope) : '')

// Curation edits the rules that keep packages out of remote repositories'
// caches (GET/PUT /curation/rules[/{key}]), the known-malicious list and the
// report of what was refused (docs/curation.md).
export default function Curation() {
  const [tab, setTab] = useState('rules')
  return (
    <>
      <Typography.Title level={2}>Curation</Typography.Title>
      <Typography.Paragraph type="secondary">
        Package files a remote repository fetches are checked before they are cached: a refused file is neither cached nor served, and the
        refusal is reported.
      </Typography.Paragraph>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        destroyOnHidden
        items={[
          { key: 'rules', label: 'Rules', children: <Rules /> },
          { key: 'malicious', label: 'Malicious list', children: <Malicious /> },
          { key: 'blocks', label: 'Blocks', children: <Blocks /> },
        ]}
      />
    </>
  )
}

function Rules() {
  const [scope, setScope] = useState(GLOBAL)
  const repos = useQuery({
    queryKey: ['repositories', 'remote'],
    queryFn: () => api<List<Repository>>('/repositories', { query: { type: 'remote', limit: 500 } }),
  })
  const keys = (repos.data?.items ?? []).map((r) => r.key)
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <label htmlFor="curation-scope">Rules of</label>
        <Select
          id="curation-scope"
          aria-label="Rules of"
          showSearch
          style={{ minWidth: 260 }}
          value={scope}
          loading={repos.isLoading}
          options={[{ value: GLOBAL, label: 'Global (every remote repository)' }, ...keys.map((k) => ({ value: k, label: k }))]}
          onChange={setScope}
        />
      </Space>
      {repos.error && <Alert type="error" role="alert" title={(repos.error as Error).message} />}
      <RuleForm key={scope} scope={scope} />
      <InForce keys={keys} />
    </>
  )
}

function RuleForm({ scope }: { scope: string }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<RuleValues>()
  const [error, setError] = useState('')
  const [saving, setSaving] = useState(false)
  const rules = useQuery({ queryKey: ['curation', 'rules', scope], queryFn: () => api<CurationRules>(rulesPath(scope)) })
  useEffect(() => {
    if (rules.data) form.setFieldsValue(toValues(rules.data))
  }, [rules.data, form])
  const save = async (v: RuleValues) => {
    setError('')
    setSaving(true)
    try {
      await api(rulesPath(scope), { method: 'PUT', body: toRules(v) })
      message.success(scope ? `Rules of ${scope} saved` : 'Global rules saved')
      await qc.invalidateQueries({ queryKey: ['curation', 'rules'] })
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setSaving(false)
    }
  }
  return (
    <QueryState loading={rules.isLoading} error={rules.error} label="the rules">
      <Card title={scope ? `Rules of ${scope} (they apply with the global ones)` : 'Global rules'} style={{ maxWidth: 760 }}>
        <Form form={form} layout="vertical" onFinish={save} aria-label="Curation rules">
          <Form.Item name="block" label="Blocked packages" extra="One name[@version] glob a line: * any characters, ? one; e.g. evil-*, @scope/*@1.*">
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="allow" label="Allowed packages" extra="Exceptions, same syntax: an allowed package passes every rule, the malicious list included">
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="deny_licenses" label="Denied licenses" extra="One SPDX id a line, e.g. GPL-3.0-only">
            <Input.TextArea rows={2} />
          </Form.Item>
          <Space size="large" wrap>
            <Form.Item name="min_age_days" label="Minimum age (days)" extra="Refuse versions published more recently">
              <InputNumber min={0} step={1} style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="max_severity" label="Maximum severity" extra="Refuse content with a finding above it">
              <Select options={severities} style={{ width: 160 }} aria-label="Maximum severity" />
            </Form.Item>
            <Form.Item name="malicious" label="Known-malicious list" valuePropName="checked">
              <Switch aria-label="Known-malicious list" />
            </Form.Item>
          </Space>
          {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" loading={saving}>
            Save rules
          </Button>
        </Form>
      </Card>
    </QueryState>
  )
}

// InForce lists the global rules and each remote repository's.
function InForce({ keys }: { keys: string[] }) {
  const scopes = [GLOBAL, ...keys]
  const results = useQueries({
    queries: scopes.map((s) => ({ queryKey: ['curation', 'rules', s], queryFn: () => api<CurationRules>(rulesPath(s)) })),
  })
  const rows = scopes.map((s, i) => ({ scope: s, rules: results[i].data, error: results[i].error as Error | null }))
  return (
    <Table
      style={{ marginTop: 24, maxWidth: 960 }}
      aria-label="Rules in force"
      title={() => <Typography.Text strong>Rules in force</Typography.Text>}
      rowKey="scope"
      pagination={false}
      size="small"
      dataSource={rows}
      columns={[
        { title: 'Scope', render: (_, r) => (r.scope ? r.scope : <Tag>global</Tag>) },
        {
          title: 'Rules',
          render: (_, r) => {
            if (r.error) return <Typography.Text type="danger">{r.error.message}</Typography.Text>
            if (!r.rules) return null
            const s = summary(r.rules)
            return s.length ? s.join('; ') : <Typography.Text type="secondary">malicious list only</Typography.Text>
          },
        },
      ]}
    />
  )
}
