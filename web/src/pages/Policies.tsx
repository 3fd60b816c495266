import { useEffect, useMemo, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Form, Input, Modal, Row, Select, Space, Tag, Typography } from 'antd'
import { api, type PolicyRule } from '../api'
import { actions, diffLines, formatRules, parseRules } from '../policy'

interface Decision {
  allowed: boolean
  decision: string
  rule: string
  subject: string
  groups: string[]
}

function Checker() {
  const [result, setResult] = useState<Decision | null>(null)
  const [error, setError] = useState('')
  const check = async (v: { subject: string; repository: string; action: string }) => {
    setError('')
    try {
      setResult(await api<Decision>('/policies/check', { method: 'POST', body: v }))
    } catch (e) {
      setResult(null)
      setError((e as Error).message)
    }
  }
  return (
    <Card title="Who can do what">
      <Form layout="vertical" onFinish={check} initialValues={{ action: 'read' }}>
        <Form.Item label="User" name="subject" rules={[{ required: true }]} extra="A username; its groups and admin flag are looked up">
          <Input />
        </Form.Item>
        <Form.Item label="Repository" name="repository" extra="Empty for a server-wide action">
          <Input />
        </Form.Item>
        <Form.Item label="Action" name="action">
          <Select options={actions.filter((a) => a !== '*').map((a) => ({ value: a, label: a }))} />
        </Form.Item>
        <Button htmlType="submit">Check</Button>
      </Form>
      {error && <Alert type="error" title={error} style={{ marginTop: 16 }} />}
      {result && (
        <div role="status" aria-label="Decision" style={{ marginTop: 16 }}>
          <Tag color={result.allowed ? 'green' : 'red'} style={{ fontSize: 16, padding: 4 }}>
            {result.allowed ? 'ALLOW' : 'DENY'}
          </Tag>
          <Typography.Paragraph style={{ marginTop: 8 }}>
            {result.decision}
            {result.rule && (
              <>
                {' '}
                — rule <Typography.Text code>{result.rule}</Typography.Text>
              </>
            )}
          </Typography.Paragraph>
        </div>
      )}
    </Card>
  )
}

export default function Policies() {
  const { message } = App.useApp()
  const policy = useQuery({ queryKey: ['policies'], queryFn: () => api<{ version: number; rules: PolicyRule[] }>('/policies') })
  const saved = useMemo(() => formatRules(policy.data?.rules ?? []), [policy.data])
  const [text, setText] = useState('')
  const [preview, setPreview] = useState(false)
  const [saveError, setSaveError] = useState('')
  useEffect(() => setText(saved), [saved])
  const parsed = useMemo(() => parseRules(text), [text])
  const save = async () => {
    setSaveError('')
    try {
      await api('/policies', { method: 'PUT', body: { rules: parsed.rules } })
      message.success('Policy saved')
      setPreview(false)
      await policy.refetch()
    } catch (e) {
      setSaveError((e as Error).message)
    }
  }
  return (
    <>
      <Typography.Title level={2}>Policies</Typography.Title>
      {policy.error && <Alert type="error" title={(policy.error as Error).message} />}
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card title={`Rules (version ${policy.data?.version ?? '…'})`}>
            <Typography.Paragraph type="secondary">
              <code>p, subject, repository-pattern, action, allow|deny</code> and <code>g, member, role:NAME|group:NAME</code>, one per line.
            </Typography.Paragraph>
            <Input.TextArea
              aria-label="Policy rules"
              value={text}
              onChange={(e) => setText(e.target.value)}
              autoSize={{ minRows: 12 }}
              spellCheck={false}
              style={{ fontFamily: 'monospace' }}
              status={parsed.errors.length ? 'error' : undefined}
            />
            {parsed.errors.length > 0 && (
              <Alert
                type="error"
                role="alert"
                style={{ marginTop: 8 }}
                title={`${parsed.errors.length} syntax error(s)`}
                description={
                  <ul style={{ margin: 0 }}>
                    {parsed.errors.map((e) => (
                      <li key={e.line}>
                        line {e.line}: {e.message}
                      </li>
                    ))}
                  </ul>
                }
              />
            )}
            {saveError && <Alert type="error" role="alert" title={saveError} style={{ marginTop: 8 }} />}
            <Space style={{ marginTop: 12 }}>
              <Button type="primary" disabled={!!parsed.errors.length || text === saved || !parsed.rules.length} onClick={() => setPreview(true)}>
                Review and save
              </Button>
              <Button disabled={text === saved} onClick={() => setText(saved)}>
                Discard changes
              </Button>
            </Space>
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Checker />
        </Col>
      </Row>
      <Modal open={preview} title="Save these changes?" okText="Save" onOk={save} onCancel={() => setPreview(false)} width={720}>
        <pre aria-label="Policy diff" style={{ fontFamily: 'monospace', maxHeight: 400, overflow: 'auto' }}>
          {diffLines(saved, text)
            .filter((l) => l.op !== ' ')
            .map((l, i) => (
              <div key={i} style={{ color: l.op === '+' ? '#389e0d' : '#cf1322' }}>
                {l.op} {l.text}
              </div>
            ))}
        </pre>
        {saveError && <Alert type="error" title={saveError} />}
      </Modal>
    </>
  )
}
