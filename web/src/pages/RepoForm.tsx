import { useLayoutEffect, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Form, Input, Modal, Radio, Select, Space, Switch } from 'antd'
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, HolderOutlined } from '@ant-design/icons'
import { api, type Format, type List, type Member, type Repository } from '../api'

interface Values {
  key: string
  name?: string
  format: string
  repo_type: string
  is_public?: boolean
  description?: string
  upstream_url?: string
  allow_overwrite?: boolean
  deploy_to?: string
  cache_ttl?: string
  upstream_username?: string
  upstream_password?: string
}

export interface UpstreamTestResult {
  reachable: boolean
  status?: number
  latency_ms: number
  refused?: boolean
  message: string
}

// UpstreamTest makes one GET to the upstream the form names (through the
// server's egress guard) and shows what came back. An existing repository
// is tested with its stored credentials unless a new password is typed.
function UpstreamTest({ repoKey, values }: { repoKey?: string; values: () => Partial<Values> }) {
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<UpstreamTestResult | null>(null)
  const [error, setError] = useState('')
  const run = async () => {
    const v = values()
    setBusy(true)
    setError('')
    setResult(null)
    const creds = !repoKey || v.upstream_password ? { username: v.upstream_username ?? '', password: v.upstream_password ?? '' } : {}
    try {
      const path = repoKey ? `/repositories/${encodeURIComponent(repoKey)}/upstream/test` : '/repositories/upstream-test'
      setResult(await api<UpstreamTestResult>(path, { method: 'POST', body: { url: v.upstream_url ?? '', ...creds } }))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  const ok = !!result?.reachable && (result.status ?? 0) < 400
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
      <Button onClick={run} loading={busy}>
        Test upstream
      </Button>
      {result && (
        <Alert
          role="status"
          type={ok ? 'success' : result.reachable ? 'warning' : 'error'}
          title={result.message}
          description={result.reachable ? `HTTP ${result.status} in ${result.latency_ms} ms` : `after ${result.latency_ms} ms`}
        />
      )}
      {error && <Alert role="alert" type="error" title={error} />}
    </Space>
  )
}

export function isHTTPURL(v: unknown): boolean {
  try {
    const u = new URL(String(v))
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.host
  } catch {
    return false
  }
}

// moveItem returns list with the item at from moved to index to.
export function moveItem<T>(list: T[], from: number, to: number): T[] {
  const v = [...list]
  const [x] = v.splice(from, 1)
  v.splice(to, 0, x)
  return v
}

// Members orders a virtual repository's members: the first wins. Rows are
// dragged into place; the up/down buttons do the same from the keyboard.
export function Members({ value = [], onChange, options }: { value?: string[]; onChange?: (v: string[]) => void; options: string[] }) {
  const [dragging, setDragging] = useState<number | null>(null)
  const [over, setOver] = useState<number | null>(null)
  const move = (from: number, to: number) => {
    if (to < 0 || to >= value.length || from === to) return
    onChange?.(moveItem(value, from, to))
  }
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {value.map((k, i) => (
        <div
          key={k}
          data-testid={`member-${k}`}
          draggable
          aria-roledescription="draggable member"
          onDragStart={(e) => {
            setDragging(i)
            e.dataTransfer?.setData('text/plain', k)
            if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move'
          }}
          onDragOver={(e) => {
            e.preventDefault()
            setOver(i)
          }}
          onDragLeave={() => setOver((o) => (o === i ? null : o))}
          onDrop={(e) => {
            e.preventDefault()
            const from = dragging ?? value.indexOf(e.dataTransfer?.getData('text/plain') ?? '')
            if (from >= 0) move(from, i)
            setDragging(null)
            setOver(null)
          }}
          onDragEnd={() => {
            setDragging(null)
            setOver(null)
          }}
          style={{ cursor: 'grab', padding: '2px 4px', borderTop: over === i && dragging !== null && dragging !== i ? '2px solid #1677ff' : '2px solid transparent', opacity: dragging === i ? 0.5 : 1 }}
        >
          <Space>
            <HolderOutlined aria-hidden />
            <span>
              {i + 1}. {k}
            </span>
            <Button size="small" icon={<ArrowUpOutlined />} aria-label={`Move ${k} up`} disabled={i === 0} onClick={() => move(i, i - 1)} />
            <Button size="small" icon={<ArrowDownOutlined />} aria-label={`Move ${k} down`} disabled={i === value.length - 1} onClick={() => move(i, i + 1)} />
            <Button size="small" icon={<DeleteOutlined />} aria-label={`Remove ${k}`} onClick={() => onChange?.(value.filter((x) => x !== k))} />
          </Space>
        </div>
      ))}
      <Select
        aria-label="Add member"
        placeholder="Add a member repository"
        value={null}
        style={{ width: 260 }}
        options={options.filter((o) => !value.includes(o)).map((o) => ({ value: o, label: o }))}
        onChange={(k: string) => onChange?.([...value, k])}
      />
    </Space>
  )
}

// RepoForm creates (no repo) or edits a local, remote or virtual repository.
export function RepoForm({ open, repo, onClose }: { open: boolean; repo?: Repository; onClose: (changed: boolean) => void }) {
  const [form] = Form.useForm<Values>()
  const [members, setMembers] = useState<string[]>([])
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const { message } = App.useApp()
  const formats = useQuery({ queryKey: ['formats'], queryFn: () => api<List<Format>>('/formats') })
  const type = Form.useWatch('repo_type', form) ?? repo?.repo_type ?? 'local'
  const format = Form.useWatch('format', form) ?? repo?.format
  const candidates = useQuery({
    queryKey: ['repositories', 'members', format],
    enabled: open && type === 'virtual' && !!format,
    queryFn: () => api<List<Repository>>('/repositories', { query: { format, limit: 500 } }),
  })
  // A layout effect, so the reset is done before the dialog is painted: as a
  // passive effect it could run after the user's first click in the form
  // (on a busy machine) and undo it.
  useLayoutEffect(() => {
    if (!open) return
    setError('')
    form.resetFields()
    if (repo) {
      form.setFieldsValue({ ...repo, deploy_to: repo.config?.deploy_to, cache_ttl: repo.config?.cache_ttl, upstream_username: repo.config?.upstream_username })
      setMembers([...(repo.member_repos ?? [])].sort((a, b) => a.priority - b.priority).map((m) => m.repo_key))
    } else setMembers([])
  }, [open, repo, form])
  const submit = async (v: Values) => {
    setBusy(true)
    setError('')
    const config: Record<string, string> = { ...(repo?.config ?? {}) }
    if (v.deploy_to !== undefined) config.deploy_to = v.deploy_to ?? ''
    if (v.cache_ttl) config.cache_ttl = v.cache_ttl
    if (v.upstream_username !== undefined) config.upstream_username = v.upstream_username ?? ''
    if (v.upstream_password) config.upstream_password = v.upstream_password
    const member_repos: Member[] | undefined = v.repo_type === 'virtual' || repo?.repo_type === 'virtual' ? members.map((k, i) => ({ repo_key: k, priority: i + 1 })) : undefined
    const body = {
      name: v.name,
      description: v.description,
      is_public: !!v.is_public,
      allow_overwrite: !!v.allow_overwrite,
      upstream_url: v.upstream_url,
      config,
      member_repos,
    }
    try {
      if (repo) await api(`/repositories/${encodeURIComponent(repo.key)}`, { method: 'PATCH', body })
      else await api('/repositories', { method: 'POST', body: { ...body, key: v.key, format: v.format, repo_type: v.repo_type } })
      message.success(repo ? `Saved ${repo.key}` : `Created ${v.key}`)
      onClose(true)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal
      open={open}
      title={repo ? `Edit ${repo.key}` : 'Create a repository'}
      onCancel={() => onClose(false)}
      okText={repo ? 'Save' : 'Create'}
      okButtonProps={{ loading: busy }}
      onOk={() => form.submit()}
      destroyOnHidden
      width={640}
    >
      {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ repo_type: 'local' }}>
        <Form.Item label="Type" name="repo_type">
          <Radio.Group disabled={!!repo} optionType="button" options={['local', 'remote', 'virtual'].map((t) => ({ value: t, label: t }))} />
        </Form.Item>
        <Form.Item label="Key" name="key" rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9._-]*$/, message: 'Lowercase letters, digits, . _ -' }]}>
          <Input disabled={!!repo} />
        </Form.Item>
        <Form.Item label="Format" name="format" rules={[{ required: true }]}>
          <Select
            disabled={!!repo}
            showSearch
            optionFilterProp="label"
            options={(formats.data?.items ?? []).map((f) => ({ value: f.key, label: `${f.display_name} (${f.key})` }))}
          />
        </Form.Item>
        <Form.Item label="Name" name="name">
          <Input />
        </Form.Item>
        <Form.Item label="Description" name="description">
          <Input.TextArea rows={2} />
        </Form.Item>
        {type === 'remote' && (
          <>
            <Form.Item label="Upstream URL" name="upstream_url" rules={[{ required: true, validator: (_, v) => (isHTTPURL(v) ? Promise.resolve() : Promise.reject(new Error('An http:// or https:// URL'))) }]}>
              <Input placeholder="https://…" />
            </Form.Item>
            <Space size="large">
              <Form.Item label="Upstream username" name="upstream_username">
                <Input autoComplete="off" />
              </Form.Item>
              <Form.Item label="Upstream password" name="upstream_password" extra={repo?.secrets_set?.includes('upstream_password') ? 'Set; leave empty to keep it' : undefined}>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            </Space>
            <UpstreamTest repoKey={repo?.key} values={() => form.getFieldsValue()} />
            <Form.Item label="Metadata cache TTL" name="cache_ttl" extra="e.g. 10m, 1h">
              <Input />
            </Form.Item>
          </>
        )}
        {type === 'virtual' && (
          <>
            <Form.Item label="Members (first match wins)">
              <Members value={members} onChange={setMembers} options={(candidates.data?.items ?? []).filter((r) => r.key !== repo?.key).map((r) => r.key)} />
            </Form.Item>
            <Form.Item label="Deploy to (local member receiving publishes)" name="deploy_to">
              <Select allowClear options={members.map((m) => ({ value: m, label: m }))} />
            </Form.Item>
          </>
        )}
        <Space size="large">
          <Form.Item label="Public (anonymous read)" name="is_public" valuePropName="checked">
            <Switch />
          </Form.Item>
          {type === 'local' && (
            <Form.Item label="Allow overwrite" name="allow_overwrite" valuePropName="checked">
              <Switch />
            </Form.Item>
          )}
        </Space>
      </Form>
    </Modal>
  )
}
