import { useEffect, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Form, Input, Modal, Radio, Select, Space, Switch } from 'antd'
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined } from '@ant-design/icons'
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
}

export function isHTTPURL(v: unknown): boolean {
  try {
    const u = new URL(String(v))
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.host
  } catch {
    return false
  }
}

// Members orders a virtual repository's members: the first wins.
function Members({ value = [], onChange, options }: { value?: string[]; onChange?: (v: string[]) => void; options: string[] }) {
  const move = (i: number, d: number) => {
    const v = [...value]
    ;[v[i], v[i + d]] = [v[i + d], v[i]]
    onChange?.(v)
  }
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {value.map((k, i) => (
        <Space key={k}>
          <span>
            {i + 1}. {k}
          </span>
          <Button size="small" icon={<ArrowUpOutlined />} aria-label={`Move ${k} up`} disabled={i === 0} onClick={() => move(i, -1)} />
          <Button size="small" icon={<ArrowDownOutlined />} aria-label={`Move ${k} down`} disabled={i === value.length - 1} onClick={() => move(i, 1)} />
          <Button size="small" icon={<DeleteOutlined />} aria-label={`Remove ${k}`} onClick={() => onChange?.(value.filter((x) => x !== k))} />
        </Space>
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
  useEffect(() => {
    if (!open) return
    setError('')
    form.resetFields()
    if (repo) {
      form.setFieldsValue({ ...repo, deploy_to: repo.config?.deploy_to, cache_ttl: repo.config?.cache_ttl })
      setMembers([...(repo.member_repos ?? [])].sort((a, b) => a.priority - b.priority).map((m) => m.repo_key))
    } else setMembers([])
  }, [open, repo, form])
  const submit = async (v: Values) => {
    setBusy(true)
    setError('')
    const config: Record<string, string> = { ...(repo?.config ?? {}) }
    if (v.deploy_to !== undefined) config.deploy_to = v.deploy_to ?? ''
    if (v.cache_ttl) config.cache_ttl = v.cache_ttl
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
