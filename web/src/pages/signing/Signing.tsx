import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Radio, Space, Table, Tag, Typography } from 'antd'
import { api, type List } from '../../api'
import { ALGORITHMS, createBody, fingerprintGroups, reposByKey, type Assignment, type CreateValues, type SigningKey } from './signing'

const statusColor = { active: 'green', retired: 'orange', revoked: 'red' } as const

// Signing lists the signing keys (GET /signing/keys) with the repositories
// each signs (GET /signing/repositories), generates or imports one, shows a
// key's public part and fingerprint, assigns it to a repository (PUT
// /signing/repositories/{key}/config), rotates, revokes and deletes keys.
export default function Signing() {
  const qc = useQueryClient()
  const { message, modal } = App.useApp()
  const [showing, setShowing] = useState<SigningKey | null>(null)
  const keys = useQuery({ queryKey: ['signing-keys'], queryFn: () => api<List<SigningKey>>('/signing/keys') })
  const assigned = useQuery({ queryKey: ['signing-repos'], queryFn: () => api<List<Assignment>>('/signing/repositories') })
  const repos = reposByKey(assigned.data?.items ?? [])
  const byId = new Map((keys.data?.items ?? []).map((k) => [k.id, k]))
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['signing-keys'] }), qc.invalidateQueries({ queryKey: ['signing-repos'] })])
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn()
      message.success(done)
    } catch (e) {
      message.error((e as Error).message)
    }
    await refresh()
  }
  return (
    <>
      <Typography.Title level={2}>Signing keys</Typography.Title>
      <Typography.Paragraph type="secondary">
        OpenPGP keys that sign repository metadata. Private keys are sealed at rest and never shown; a rotation makes a new key sign every
        repository of the old one, which stays published (retired) until it is revoked.
      </Typography.Paragraph>
      <CreateForm onCreated={refresh} />
      <Table<SigningKey>
        style={{ marginTop: 24 }}
        rowKey="id"
        aria-label="Signing keys"
        loading={keys.isLoading}
        dataSource={keys.data?.items}
        locale={{ emptyText: 'No signing keys yet' }}
        pagination={false}
        columns={[
          { title: 'Name', dataIndex: 'name' },
          { title: 'Algorithm', dataIndex: 'algorithm' },
          { title: 'Fingerprint', render: (_, k) => <Typography.Text code>{fingerprintGroups(k.fingerprint).slice(-19)}</Typography.Text> },
          {
            title: 'Status',
            render: (_, k) => (
              <Space orientation="vertical" size={0}>
                <Tag color={statusColor[k.status]}>{k.status}</Tag>
                {k.replaced_by && <Typography.Text type="secondary">replaced by {byId.get(k.replaced_by)?.name ?? k.replaced_by}</Typography.Text>}
              </Space>
            ),
          },
          {
            title: 'Signs',
            render: (_, k) => {
              const rs = repos.get(k.id)
              return rs?.length ? rs.map((r) => <Tag key={r}>{r}</Tag>) : <Typography.Text type="secondary">no repository</Typography.Text>
            },
          },
          { title: 'Created', render: (_, k) => `${new Date(k.created_at).toLocaleString()}${k.created_by ? ` by ${k.created_by}` : ''}` },
          {
            title: 'Actions',
            render: (_, k) => (
              <Space wrap>
                <Button size="small" aria-label={`Public key of ${k.name}`} onClick={() => setShowing(k)}>
                  Public key
                </Button>
                {k.status === 'active' && (
                  <Popconfirm
                    title={`Rotate ${k.name}?`}
                    description="A new key takes over its repositories; this one is retired."
                    okText="Rotate"
                    onConfirm={() => act(async () => api<SigningKey>(`/signing/keys/${k.id}/rotate`, { method: 'POST' }), `Rotated ${k.name}`)}
                  >
                    <Button size="small" aria-label={`Rotate ${k.name}`}>
                      Rotate
                    </Button>
                  </Popconfirm>
                )}
                {k.status !== 'revoked' && (
                  <Popconfirm
                    title={`Revoke ${k.name}?`}
                    description="It signs nothing more and its public key is withdrawn; its repositories have no key."
                    okText="Revoke"
                    okButtonProps={{ danger: true }}
                    onConfirm={() => act(() => api(`/signing/keys/${k.id}/revoke`, { method: 'POST' }), `Revoked ${k.name}`)}
                  >
                    <Button size="small" danger aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </Button>
                  </Popconfirm>
                )}
                <Button
                  size="small"
                  danger
                  aria-label={`Delete ${k.name}`}
                  onClick={() =>
                    modal.confirm({
                      title: `Delete signing key ${k.name}?`,
                      content: 'Repositories it signs have no key afterwards; signatures it made can no longer be checked against Keeper.',
                      okText: 'Delete',
                      okButtonProps: { danger: true },
                      onOk: () => act(() => api(`/signing/keys/${k.id}`, { method: 'DELETE' }), `Deleted ${k.name}`),
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
      <KeyDetails signingKey={showing} repositories={showing ? (repos.get(showing.id) ?? []) : []} onClose={() => setShowing(null)} onAssigned={refresh} />
    </>
  )
}

function CreateForm({ onCreated }: { onCreated: () => Promise<unknown> }) {
  const [form] = Form.useForm<CreateValues>()
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const { message } = App.useApp()
  const mode = Form.useWatch('mode', form) ?? 'generate'
  const submit = async (v: CreateValues) => {
    setError('')
    setBusy(true)
    try {
      const k = await api<SigningKey>('/signing/keys', { method: 'POST', body: createBody(v) })
      message.success(`Key ${k.name} created`)
      form.setFieldsValue({ name: '', email: '', private_key: '' })
      await onCreated()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Card title="Generate or import a key" style={{ maxWidth: 760 }}>
      <Form form={form} layout="vertical" onFinish={submit} aria-label="Generate or import a key" initialValues={{ mode: 'generate', algorithm: 'ed25519' }}>
        <Form.Item name="mode" label="Source">
          <Radio.Group
            aria-label="Source"
            optionType="button"
            options={[
              { value: 'generate', label: 'Generate' },
              { value: 'import', label: 'Import' },
            ]}
          />
        </Form.Item>
        <Form.Item name="name" label="Name" rules={[{ required: true, message: 'A name is required' }]} extra="Lower-case letters, digits, '.', '_' and '-'">
          <Input autoComplete="off" />
        </Form.Item>
        {mode === 'generate' ? (
          <Space size="large" wrap>
            <Form.Item name="algorithm" label="Algorithm">
              <Radio.Group aria-label="Algorithm" options={ALGORITHMS.map((a) => ({ value: a, label: a }))} />
            </Form.Item>
            <Form.Item name="email" label="Email (user id)">
              <Input autoComplete="off" />
            </Form.Item>
          </Space>
        ) : (
          <Form.Item
            name="private_key"
            label="Armored private key"
            rules={[{ required: true, message: 'Paste an unprotected armored private key' }]}
            extra="gpg --export-secret-keys --armor KEYID; sealed at rest, never shown again"
          >
            <Input.TextArea rows={4} autoComplete="off" spellCheck={false} />
          </Form.Item>
        )}
        {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy}>
          {mode === 'generate' ? 'Generate key' : 'Import key'}
        </Button>
      </Form>
    </Card>
  )
}

// KeyDetails shows a key's public part with copy buttons and assigns it
// to a repository.
function KeyDetails({
  signingKey: k,
  repositories,
  onClose,
  onAssigned,
}: {
  signingKey: SigningKey | null
  repositories: string[]
  onClose: () => void
  onAssigned: () => Promise<unknown>
}) {
  const { message } = App.useApp()
  const [repo, setRepo] = useState('')
  const assign = async (key: string, id: string) => {
    try {
      await api(`/signing/repositories/${encodeURIComponent(key)}/config`, { method: 'PUT', body: { key_id: id } })
      message.success(id ? `${k?.name} signs ${key}` : `${key} has no key now`)
      setRepo('')
    } catch (e) {
      message.error((e as Error).message)
    }
    await onAssigned()
  }
  return (
    <Modal open={!!k} title={k ? `Signing key ${k.name}` : ''} onCancel={onClose} footer={<Button onClick={onClose}>Close</Button>} width={760}>
      {k && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <div>
            <Typography.Text strong>Fingerprint </Typography.Text>
            <Typography.Text code copyable={{ text: k.fingerprint }} data-testid="fingerprint">
              {fingerprintGroups(k.fingerprint)}
            </Typography.Text>
          </div>
          <div>
            <Typography.Text strong>User id </Typography.Text>
            <Typography.Text>{k.user_id}</Typography.Text>
          </div>
          {k.status === 'revoked' ? (
            <Alert type="warning" showIcon title="Revoked: its public key is no longer published." />
          ) : (
            <>
              <Typography.Text strong>Public key</Typography.Text>
              <Typography.Paragraph copyable={{ text: k.public_key }}>
                <pre aria-label="Public key" style={{ maxHeight: 240, overflow: 'auto', fontSize: 12 }}>
                  {k.public_key}
                </pre>
              </Typography.Paragraph>
              <a href={`/api/v1/signing/keys/${k.id}/public`} download={`${k.name}.asc`}>
                Download {k.name}.asc
              </a>
            </>
          )}
          <Typography.Text strong>Signs</Typography.Text>
          <div>
            {repositories.length === 0 && <Typography.Text type="secondary">no repository</Typography.Text>}
            {repositories.map((r) => (
              <Tag key={r} closable={k.status === 'active'} onClose={(e) => {
                e.preventDefault()
                void assign(r, '')
              }} closeIcon={<span aria-label={`Stop signing ${r}`}>×</span>}>
                {r}
              </Tag>
            ))}
          </div>
          {k.status === 'active' && (
            <Space.Compact style={{ maxWidth: 420 }}>
              <Input aria-label="Repository to sign" placeholder="repository key" value={repo} onChange={(e) => setRepo(e.target.value)} onPressEnter={() => repo && void assign(repo, k.id)} />
              <Button disabled={!repo} onClick={() => void assign(repo, k.id)}>
                Sign it
              </Button>
            </Space.Compact>
          )}
        </Space>
      )}
    </Modal>
  )
}
