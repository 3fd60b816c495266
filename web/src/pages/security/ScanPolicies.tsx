import { useEffect, useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Select, Space, Switch, Typography } from 'antd'
import { api, type List, type Repository } from '../../api'
import { QueryState, repoKeys } from './common'
import { fieldError } from './logic'
import type { QualityGate, ScanPolicy } from './types'

const fields = ['enabled', 'block_severity', 'block_unscanned', 'quarantine', 'deny_licenses', 'quality_gate']
const GLOBAL = ''

// ScanPolicies edits the global scan policy and each repository's
// (GET/PUT /security/policies[/{key}]); the stricter of the two wins.
export default function ScanPolicies() {
  const [target, setTarget] = useState(GLOBAL)
  const repos = useQuery({ queryKey: ['repositories', 'all'], queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 500 } }) })
  return (
    <>
      <Typography.Title level={2}>Scan policy</Typography.Title>
      <Typography.Paragraph type="secondary">
        A global policy and one per repository: they combine, the stricter winning. Policies apply to files a scanner can read.
      </Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <label htmlFor="policy-target">Policy of</label>
        <Select
          id="policy-target"
          aria-label="Policy of"
          showSearch
          style={{ minWidth: 240 }}
          value={target}
          loading={repos.isLoading}
          options={[{ value: GLOBAL, label: 'Global (every repository)' }, ...repoKeys(repos.data?.items)]}
          onChange={setTarget}
        />
      </Space>
      {repos.error && <Alert type="error" role="alert" title={(repos.error as Error).message} />}
      <PolicyForm key={target} target={target} />
    </>
  )
}

interface Values {
  enabled: boolean
  block_severity: string
  block_unscanned: boolean
  quarantine: boolean
  deny_licenses: string[]
  quality_gate?: string
}

function PolicyForm({ target }: { target: string }) {
  const path = '/security/policies' + (target ? '/' + encodeURIComponent(target) : '')
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<Values>()
  const [error, setError] = useState('')
  const [saving, setSaving] = useState(false)
  const policy = useQuery({ queryKey: ['security', 'policy', target], queryFn: () => api<ScanPolicy>(path) })
  const gates = useQuery({ queryKey: ['security', 'gates'], queryFn: () => api<{ items: QualityGate[] }>('/quality/gates') })
  useEffect(() => {
    const p = policy.data
    if (p) form.setFieldsValue({ ...p, deny_licenses: p.deny_licenses ?? [], quality_gate: p.quality_gate || undefined })
  }, [policy.data, form])
  return (
    <QueryState loading={policy.isLoading} error={policy.error} label="the policy">
      <Card title={target ? `Repository ${target}` : 'Global policy'}>
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
        <Form<Values>
          form={form}
          layout="vertical"
          aria-label="Scan policy"
          onValuesChange={() => setError('')}
          onFinish={async (v) => {
            setError('')
            setSaving(true)
            try {
              await api(path, { method: 'PUT', body: { ...v, quality_gate: v.quality_gate ?? '', deny_licenses: v.deny_licenses ?? [] } })
              message.success('Policy saved')
              await qc.invalidateQueries({ queryKey: ['security'] })
            } catch (e) {
              const fe = fieldError(e, fields)
              if (fe.field) form.setFields([{ name: fe.field as keyof Values, errors: [fe.message] }])
              else setError(fe.message)
            } finally {
              setSaving(false)
            }
          }}
        >
          <Form.Item name="enabled" label="Scan new uploads" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name="block_severity" label="Block downloads at or above">
            <Select
              options={[
                { value: '', label: 'Nothing blocked' },
                ...['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].map((s) => ({ value: s, label: s })),
              ]}
            />
          </Form.Item>
          <Form.Item name="block_unscanned" label="Block downloads without a verdict" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name="quarantine"
            label="Quarantine new uploads"
            valuePropName="checked"
            extra="Held until scanned clean (nothing at or above the blocking severity, or no finding at all without one) or released by an administrator."
          >
            <Switch />
          </Form.Item>
          <Form.Item name="deny_licenses" label="Denied licenses" extra="SPDX identifiers, e.g. GPL-3.0-only; press Enter after each.">
            <Select mode="tags" tokenSeparators={[',']} suffixIcon={null} />
          </Form.Item>
          <Form.Item name="quality_gate" label="Quality gate downloads must pass">
            <Select allowClear placeholder="None" loading={gates.isLoading} options={(gates.data?.items ?? []).map((g) => ({ value: g.name, label: g.name }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saving}>
            Save policy
          </Button>
          {policy.data?.updated_at && (
            <Typography.Text type="secondary" style={{ marginLeft: 12 }}>
              Last saved {new Date(policy.data.updated_at).toLocaleString()}
            </Typography.Text>
          )}
        </Form>
      </Card>
    </QueryState>
  )
}
