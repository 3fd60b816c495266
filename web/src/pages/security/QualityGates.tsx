import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Empty, Form, Input, InputNumber, List as AList, Modal, Popconfirm, Result, Select, Space, Table, Tag, Typography } from 'antd'
import { api, type List, type Repository } from '../../api'
import { QueryState, repoKeys } from './common'
import { fieldError, gateBody, gateNameError, gateRules, type GateForm } from './logic'
import type { GateEvaluation, QualityGate, ScanPolicy } from './types'

const gatePath = (name: string) => `/quality/gates/${encodeURIComponent(name)}`
const policyPath = (repo: string) => `/security/policies/${encodeURIComponent(repo)}`
// At most this many repositories' policies are read to show attachments.
const MAX_POLICIES = 200

// QualityGates lists, creates, edits and deletes quality gates
// (/quality/gates), attaches them to repositories (a repository policy's
// quality_gate) and evaluates one on an artifact.
export default function QualityGates() {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [editing, setEditing] = useState<QualityGate | 'new' | null>(null)
  const [attaching, setAttaching] = useState<string>('')
  const gates = useQuery({ queryKey: ['security', 'gates'], queryFn: () => api<{ items: QualityGate[] }>('/quality/gates') })
  const repos = useQuery({ queryKey: ['repositories', 'all'], queryFn: () => api<List<Repository>>('/repositories', { query: { limit: 500 } }) })
  const attached = useQuery({
    queryKey: ['security', 'policies', 'all', repos.data?.items.map((r) => r.key)],
    enabled: !!repos.data,
    queryFn: async () => {
      const keys = (repos.data?.items ?? []).slice(0, MAX_POLICIES).map((r) => r.key)
      const ps = await Promise.all(keys.map((k) => api<ScanPolicy>(policyPath(k))))
      const global = await api<ScanPolicy>('/security/policies')
      const by: Record<string, string[]> = {}
      ps.forEach((p, i) => p.quality_gate && (by[p.quality_gate] ??= []).push(keys[i]))
      if (global.quality_gate) (by[global.quality_gate] ??= []).push('(global)')
      return by
    },
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['security'] })
  return (
    <>
      <Typography.Title level={2}>Quality gates</Typography.Title>
      <Typography.Paragraph type="secondary">
        Named rules an artifact must pass: attached to a repository, they refuse downloads of artifacts that fail; evaluate one on demand
        (or from CI) below.
      </Typography.Paragraph>
      <Button type="primary" onClick={() => setEditing('new')} style={{ marginBottom: 16 }}>
        Create a gate
      </Button>
      <QueryState loading={gates.isLoading} error={gates.error} label="quality gates">
        <Table<QualityGate>
          rowKey="name"
          size="small"
          aria-label="Quality gates"
          dataSource={gates.data?.items}
          pagination={false}
          locale={{ emptyText: <Empty description="No quality gates yet" /> }}
          columns={[
            { title: 'Name', dataIndex: 'name' },
            { title: 'Rules', key: 'rules', render: (_, g) => gateRules(g).map((r) => <Tag key={r}>{r}</Tag>) },
            { title: 'Attached to', key: 'attached', render: (_, g) => (attached.data?.[g.name] ?? []).join(', ') || '—' },
            {
              title: 'Actions',
              key: 'actions',
              render: (_, g) => (
                <Space>
                  <Button size="small" onClick={() => setEditing(g)} aria-label={`Edit gate ${g.name}`}>
                    Edit
                  </Button>
                  <Button size="small" onClick={() => setAttaching(g.name)} aria-label={`Attach gate ${g.name}`}>
                    Attach
                  </Button>
                  <Popconfirm
                    title={`Delete gate ${g.name}?`}
                    okText="Delete"
                    onConfirm={async () => {
                      try {
                        await api(gatePath(g.name), { method: 'DELETE' })
                        message.success(`Gate ${g.name} deleted`)
                        await refresh()
                      } catch (e) {
                        message.error((e as Error).message)
                      }
                    }}
                  >
                    <Button size="small" danger aria-label={`Delete gate ${g.name}`}>
                      Delete
                    </Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </QueryState>
      {editing && <GateEditor gate={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />}
      {attaching && (
        <Attach gate={attaching} repos={repos.data?.items} attached={attached.data?.[attaching] ?? []} onClose={() => setAttaching('')} onSaved={refresh} />
      )}
      <Evaluate gates={gates.data?.items ?? []} repos={repos.data?.items} />
    </>
  )
}

function GateEditor({ gate, onClose, onSaved }: { gate: QualityGate | null; onClose: () => void; onSaved: () => Promise<unknown> }) {
  const [form] = Form.useForm<GateForm>()
  const { message } = App.useApp()
  const [error, setError] = useState('')
  const [saving, setSaving] = useState(false)
  return (
    <Modal
      open
      title={gate ? `Edit gate ${gate.name}` : 'Create a quality gate'}
      okText="Save gate"
      okButtonProps={{ loading: saving }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
      <Form<GateForm>
        form={form}
        layout="vertical"
        initialValues={gate ? { ...gate, deny_licenses: gate.deny_licenses ?? [], min_grade: gate.min_grade ?? '' } : { name: '', min_grade: '', deny_licenses: [] }}
        onFinish={async (v) => {
          setError('')
          setSaving(true)
          try {
            const body = gateBody({ ...v, name: gate?.name ?? v.name })
            await api(gatePath(body.name), { method: 'PUT', body })
            message.success(`Gate ${body.name} saved`)
            await onSaved()
            onClose()
          } catch (e) {
            const fe = fieldError(e, ['name', 'min_grade', 'max_critical', 'max_high', 'deny_licenses'])
            if (fe.field) form.setFields([{ name: fe.field as keyof GateForm, errors: [fe.message] }])
            else setError(fe.message)
          } finally {
            setSaving(false)
          }
        }}
      >
        <Form.Item
          name="name"
          label="Name"
          rules={[{ validator: (_, v: string) => (gate || !gateNameError(v ?? '') ? Promise.resolve() : Promise.reject(new Error(gateNameError(v ?? '')))) }]}
        >
          <Input disabled={!!gate} autoComplete="off" />
        </Form.Item>
        <Form.Item name="min_grade" label="Minimum grade">
          <Select options={[{ value: '', label: 'Any grade' }, ...['A', 'B', 'C', 'D', 'F'].map((g) => ({ value: g, label: g }))]} />
        </Form.Item>
        <Form.Item name="max_critical" label="Most critical findings" extra="Blank: no bound.">
          <InputNumber min={0} max={1000000} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="max_high" label="Most high findings" extra="Blank: no bound.">
          <InputNumber min={0} max={1000000} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="deny_licenses" label="Denied licenses" extra="SPDX identifiers; press Enter after each.">
          <Select mode="tags" tokenSeparators={[',']} suffixIcon={null} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

// Attach sets the gate as repositories' quality_gate, keeping the rest of
// each repository's policy.
function Attach(props: { gate: string; repos?: Repository[]; attached: string[]; onClose: () => void; onSaved: () => Promise<unknown> }) {
  const { message } = App.useApp()
  const [keys, setKeys] = useState<string[]>(props.attached.filter((k) => k !== '(global)'))
  const [error, setError] = useState('')
  const [saving, setSaving] = useState(false)
  return (
    <Modal
      open
      title={`Attach gate ${props.gate}`}
      okText="Save"
      okButtonProps={{ loading: saving }}
      onCancel={props.onClose}
      onOk={async () => {
        setError('')
        setSaving(true)
        try {
          const was = props.attached.filter((k) => k !== '(global)')
          for (const k of [...new Set([...was, ...keys])]) {
            const want = keys.includes(k)
            if (want === was.includes(k)) continue
            const p = await api<ScanPolicy>(policyPath(k))
            await api(policyPath(k), { method: 'PUT', body: { ...p, quality_gate: want ? props.gate : '' } })
          }
          message.success('Attachments saved')
          await props.onSaved()
          props.onClose()
        } catch (e) {
          setError((e as Error).message)
        } finally {
          setSaving(false)
        }
      }}
    >
      {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 12 }} />}
      <label htmlFor="attach-repos">Repositories whose downloads must pass {props.gate}</label>
      <Select id="attach-repos" aria-label="Repositories" mode="multiple" style={{ width: '100%' }} value={keys} onChange={setKeys} options={repoKeys(props.repos)} />
    </Modal>
  )
}

function Evaluate({ gates, repos }: { gates: QualityGate[]; repos?: Repository[] }) {
  const [form] = Form.useForm<{ gate: string; repository: string; path: string }>()
  const [result, setResult] = useState<GateEvaluation | null>(null)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  return (
    <Card title="Evaluate a gate" style={{ marginTop: 24 }}>
      <Form
        form={form}
        layout="inline"
        aria-label="Evaluate a gate"
        onFinish={async (v) => {
          setError('')
          setResult(null)
          setBusy(true)
          try {
            setResult(
              await api<GateEvaluation>(`/quality/gates/evaluate/${encodeURIComponent(v.gate)}`, {
                method: 'POST',
                body: { repository: v.repository, path: v.path.trim().replace(/^\/+/, '') },
              }),
            )
          } catch (e) {
            setError((e as Error).message)
          } finally {
            setBusy(false)
          }
        }}
      >
        <Form.Item name="gate" label="Gate" rules={[{ required: true, message: 'Choose a gate' }]}>
          <Select style={{ minWidth: 160 }} options={gates.map((g) => ({ value: g.name, label: g.name }))} />
        </Form.Item>
        <Form.Item name="repository" label="Repository" rules={[{ required: true, message: 'Choose a repository' }]}>
          <Select showSearch style={{ minWidth: 160 }} options={repoKeys(repos)} />
        </Form.Item>
        <Form.Item name="path" label="Artifact path" rules={[{ required: true, whitespace: true, message: 'Enter the artifact path' }]}>
          <Input style={{ minWidth: 320 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          Evaluate
        </Button>
      </Form>
      {error && <Alert type="error" role="alert" title={error} style={{ marginTop: 12 }} />}
      {result && (
        <Result
          status={result.pass ? 'success' : 'error'}
          title={result.pass ? `Passes ${result.gate}` : `Fails ${result.gate}`}
          subTitle={`${result.repository}/${result.path}${result.grade ? `, grade ${result.grade}` : ''}`}
          extra={
            result.reasons?.length ? (
              <AList size="small" aria-label="Reasons" dataSource={result.reasons} renderItem={(r) => <AList.Item>{r}</AList.Item>} />
            ) : undefined
          }
          data-testid="gate-result"
        />
      )}
    </Card>
  )
}
