import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, InputNumber, Progress, Space, Typography } from 'antd'
import { api } from '../../api'
import { formatSize } from '../../tree'
import { fromMiB, toMiB, usagePercent, type Quota } from './lifecycle'

// QuotaCard shows a repository's usage against its storage quota and lets an
// administrator change it (GET/PUT /repositories/{key}/quota; 0 and 0
// removes it). Writes past the hard limit are answered 413.
export function QuotaCard({ repo }: { repo: string }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [editing, setEditing] = useState(false)
  const [form] = Form.useForm()
  const qk = ['quota', repo]
  const quota = useQuery({ queryKey: qk, queryFn: () => api<Quota>(`/repositories/${encodeURIComponent(repo)}/quota`) })
  const q = quota.data
  return (
    <Card size="small" title="Storage quota" style={{ marginTop: 16 }}>
      {quota.error && <Alert type="error" role="alert" title={(quota.error as Error).message} />}
      {q && !editing && (
        <>
          <Typography.Paragraph data-testid="quota-usage">
            {formatSize(q.used_bytes ?? 0)} used{q.max_bytes ? ` of ${formatSize(q.max_bytes)}` : ', no limit'}
            {q.warn_bytes ? ` (warning at ${formatSize(q.warn_bytes)})` : ''}
          </Typography.Paragraph>
          {!!q.max_bytes && (
            <Progress percent={usagePercent(q)} status={q.warning ? 'exception' : 'normal'} aria-label="Usage against the quota" />
          )}
          {q.warning && <Alert type="warning" showIcon title="The repository is past its warning size" />}
          <Button
            style={{ marginTop: 8 }}
            onClick={() => {
              form.setFieldsValue({ max: toMiB(q.max_bytes), warn: toMiB(q.warn_bytes) })
              setEditing(true)
            }}
          >
            Edit quota
          </Button>
        </>
      )}
      {editing && (
        <Form
          form={form}
          layout="inline"
          onFinish={async (v: { max: number | null; warn: number | null }) => {
            try {
              const r = await api<Quota>(`/repositories/${encodeURIComponent(repo)}/quota`, {
                method: 'PUT',
                body: { max_bytes: fromMiB(v.max), warn_bytes: fromMiB(v.warn) },
              })
              qc.setQueryData(qk, { ...q, ...r })
              await qc.invalidateQueries({ queryKey: qk })
              setEditing(false)
              message.success('Quota saved')
            } catch (e) {
              message.error((e as Error).message)
            }
          }}
        >
          <Form.Item label="Hard limit (MiB)" name="max" extra="0: none">
            <InputNumber min={0} aria-label="Hard limit (MiB)" />
          </Form.Item>
          <Form.Item label="Warning at (MiB)" name="warn">
            <InputNumber min={0} aria-label="Warning at (MiB)" />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              Save quota
            </Button>
            <Button onClick={() => setEditing(false)}>Cancel</Button>
          </Space>
        </Form>
      )}
    </Card>
  )
}
