import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Form, Input, Modal, Radio, Select, Typography } from 'antd'
import { api, type List, type Repository } from '../../api'
import { formatSize } from '../../tree'
import { promotable, promoteRequest, type PromoteResult } from './promote'

// PromoteButton promotes one artifact (POST /promote with its path): the
// target repository, copy or move, property conditions, a dry run; it shows
// the result or the server's reason for refusing.
export function PromoteButton({ repo, path, onMoved }: { repo: string; path: string; onMoved?: () => void }) {
  const [open, setOpen] = useState(false)
  const [result, setResult] = useState<PromoteResult | null>(null)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [form] = Form.useForm()
  const qc = useQueryClient()
  const source = useQuery({ queryKey: ['repository', repo], enabled: open, queryFn: () => api<Repository>(`/repositories/${encodeURIComponent(repo)}`) })
  const repos = useQuery({
    queryKey: ['repositories', 'promote', source.data?.format],
    enabled: open && !!source.data,
    queryFn: () => api<List<Repository>>('/repositories', { query: { format: source.data!.format, limit: 500 } }),
  })
  const targets = source.data && repos.data ? promotable(repos.data.items, source.data) : []
  const run = async (dryRun: boolean) => {
    let v: { to: string; move?: boolean; require?: string }
    try {
      v = await form.validateFields()
    } catch {
      return
    }
    setError('')
    setResult(null)
    setBusy(true)
    try {
      const r = await api<PromoteResult>('/promote', { method: 'POST', body: promoteRequest(repo, path, v, dryRun) })
      setResult(r)
      if (!dryRun) {
        await qc.invalidateQueries({ queryKey: ['tree', r.to] })
        if (r.move) onMoved?.()
      }
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <Button style={{ marginTop: 16, marginRight: 8 }} onClick={() => setOpen(true)}>
        Promote
      </Button>
      <Modal
        open={open}
        title={`Promote ${path}`}
        onCancel={() => {
          setOpen(false)
          setResult(null)
          setError('')
        }}
        footer={[
          <Button key="dry" onClick={() => run(true)} loading={busy}>
            Dry run
          </Button>,
          <Button key="go" type="primary" onClick={() => run(false)} loading={busy}>
            Promote
          </Button>,
        ]}
      >
        <Form form={form} layout="vertical" initialValues={{ move: false }}>
          <Form.Item label="Target repository" name="to" rules={[{ required: true, message: 'Choose the target repository' }]}>
            <Select
              aria-label="Target repository"
              loading={repos.isLoading}
              options={targets.map((r) => ({ value: r.key, label: `${r.key} (${r.repo_type})` }))}
              notFoundContent={source.data ? `No local or staging ${source.data.format} repository besides ${repo}` : undefined}
            />
          </Form.Item>
          <Form.Item label="Mode" name="move">
            <Radio.Group
              aria-label="Mode"
              options={[
                { value: false, label: 'Copy' },
                { value: true, label: 'Move' },
              ]}
            />
          </Form.Item>
          <Form.Item label="Require properties" name="require" extra="key:value or key, separated by spaces: the artifact must carry them.">
            <Input placeholder="qa.status:passed" />
          </Form.Item>
        </Form>
        {error && <Alert type="error" role="alert" showIcon title="Refused" description={error} />}
        {result && (
          <Alert
            type={result.dry_run ? 'info' : 'success'}
            role="status"
            showIcon
            title={
              result.dry_run
                ? `Would ${result.move ? 'move' : 'copy'} ${(result.files ?? []).length} file(s) to ${result.to}`
                : `${result.move ? 'Moved' : 'Copied'} ${(result.files ?? []).length} file(s) to ${result.to}`
            }
            description={
              <>
                <Typography.Text>{formatSize(result.bytes)}</Typography.Text>
                <ul style={{ margin: 0 }}>
                  {(result.files ?? []).map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </>
            }
          />
        )}
      </Modal>
    </>
  )
}
