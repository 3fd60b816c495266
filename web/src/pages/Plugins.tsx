import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Progress, Space, Table, Tag, Tooltip, Typography, Upload } from 'antd'
import { InboxOutlined } from '@ant-design/icons'
import { ApiError, api, type List, type Plugin } from '../api'

type Reload = { id: string; state: 'running' | 'done' | 'failed'; text: string }

export default function Plugins() {
  const qc = useQueryClient()
  const { modal, message } = App.useApp()
  const [reload, setReload] = useState<Reload | null>(null)
  const [installError, setInstallError] = useState('')
  const [installing, setInstalling] = useState('')
  const plugins = useQuery({ queryKey: ['plugins'], queryFn: () => api<List<Plugin>>('/plugins') })
  const refresh = () => qc.invalidateQueries({ queryKey: ['plugins'] })
  const act = async (p: Plugin, what: 'enable' | 'disable') => {
    try {
      await api(`/plugins/${encodeURIComponent(p.id)}/${what}`, { method: 'POST' })
      message.success(`${p.name} ${what}d`)
    } catch (e) {
      message.error((e as Error).message)
    }
    await refresh()
  }
  const doReload = async (p: Plugin) => {
    const started = performance.now()
    setReload({ id: p.id, state: 'running', text: `Reloading ${p.name}: compiling, smoke-testing, swapping…` })
    try {
      const after = await api<Plugin>(`/plugins/${encodeURIComponent(p.id)}/reload`, { method: 'POST' })
      const ms = Math.round(performance.now() - started)
      setReload({ id: p.id, state: 'done', text: `Reloaded ${p.name} ${after?.version ?? ''} in ${ms} ms: ${after?.status ?? 'ok'}` })
    } catch (e) {
      setReload({ id: p.id, state: 'failed', text: `Reload of ${p.name} failed: ${(e as Error).message}` })
    }
    await refresh()
  }
  const remove = (p: Plugin) =>
    modal.confirm({
      title: `Remove plugin ${p.name}?`,
      okText: 'Remove',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api(`/plugins/${encodeURIComponent(p.id)}`, { method: 'DELETE' })
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 409) throw e
          if (!window.confirm(e.message + '\nRemove anyway?')) return
          await api(`/plugins/${encodeURIComponent(p.id)}`, { method: 'DELETE', query: { force: true } })
        }
        message.success(`Removed ${p.name}`)
        await refresh()
      },
    })
  return (
    <>
      <Typography.Title level={2}>Plugins</Typography.Title>
      <Upload.Dragger
        accept=".wasm,.zip"
        showUploadList={false}
        aria-label="Install a plugin: drop a .wasm or .zip file here or press Enter to choose one"
        customRequest={async ({ file, onSuccess, onError }) => {
          setInstallError('')
          setInstalling((file as File).name)
          try {
            const p = await api<Plugin>('/plugins', { method: 'POST', raw: file as Blob })
            message.success(`Installed ${p.name} ${p.version}`)
            onSuccess?.(p)
            await refresh()
          } catch (e) {
            setInstallError((e as Error).message)
            onError?.(e as Error)
          } finally {
            setInstalling('')
          }
        }}
        height={140}
        disabled={!!installing}
        style={{ marginBottom: 16 }}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p>Drop a plugin (.wasm or .zip with a manifest) here, or click to choose one</p>
      </Upload.Dragger>
      {installing && (
        <Alert
          role="status"
          type="info"
          style={{ marginBottom: 16 }}
          title={
            <Space>
              <Progress type="circle" percent={99} status="active" size={20} showInfo={false} />
              Installing {installing}: validating against the contract, compiling, smoke-testing…
            </Space>
          }
        />
      )}
      {installError && <Alert type="error" title={`Install failed: ${installError}`} role="alert" style={{ marginBottom: 16 }} />}
      {reload && (
        <Alert
          role="status"
          style={{ marginBottom: 16 }}
          type={reload.state === 'failed' ? 'error' : reload.state === 'done' ? 'success' : 'info'}
          title={
            <Space>
              {reload.state === 'running' && <Progress type="circle" percent={99} status="active" size={20} showInfo={false} />}
              {reload.text}
            </Space>
          }
        />
      )}
      <Table<Plugin>
        rowKey="id"
        loading={plugins.isLoading}
        dataSource={plugins.data?.items}
        pagination={false}
        columns={[
          { title: 'Plugin', render: (_, p) => <span>{p.display_name || p.name}</span> },
          { title: 'Format', dataIndex: 'format' },
          { title: 'Version', render: (_, p) => p.version || '—' },
          {
            title: 'Status',
            render: (_, p) => (
              <Tooltip title={p.last_error}>
                <Tag color={p.status === 'active' ? 'green' : p.status === 'disabled' ? 'default' : 'red'}>{p.status}</Tag>
              </Tooltip>
            ),
          },
          { title: 'Capabilities', render: (_, p) => (p.capabilities ?? []).map((c) => <Tag key={c}>{c}</Tag>) },
          { title: 'Source', render: (_, p) => (p.built_in ? 'built-in' : 'installed') },
          {
            title: 'Calls',
            render: (_, p) => {
              const calls = p.stats?.calls
              return typeof calls === 'number' ? calls : '—'
            },
          },
          {
            title: 'Actions',
            render: (_, p) => (
              <Space wrap>
                {p.enabled ? (
                  <Button size="small" onClick={() => act(p, 'disable')} aria-label={`Disable ${p.format}`}>
                    Disable
                  </Button>
                ) : (
                  <Button size="small" onClick={() => act(p, 'enable')} aria-label={`Enable ${p.format}`}>
                    Enable
                  </Button>
                )}
                <Button size="small" onClick={() => doReload(p)} loading={reload?.id === p.id && reload.state === 'running'} aria-label={`Reload ${p.format}`}>
                  Reload
                </Button>
                {!p.built_in && (
                  <Button size="small" danger onClick={() => remove(p)} aria-label={`Remove ${p.format}`}>
                    Remove
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
    </>
  )
}
