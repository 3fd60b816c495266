import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Divider, Form, Input, Space, Typography } from 'antd'
import { ApiError, api, login, type List } from '../api'

interface Provider {
  kind: string
  name: string
  display_name: string
  login_url: string
}

export default function Login() {
  const [error, setError] = useState('')
  const [needTotp, setNeedTotp] = useState(false)
  const [busy, setBusy] = useState(false)
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api<List<Provider>>('/auth/providers') })
  const submit = async (v: { username: string; password: string; totp?: string }) => {
    setBusy(true)
    setError('')
    try {
      await login(v.username, v.password, v.totp)
    } catch (e) {
      if (e instanceof ApiError && /totp|two-factor/i.test(e.code + e.message)) setNeedTotp(true)
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <main style={{ display: 'flex', justifyContent: 'center', paddingTop: '10vh' }}>
      <Card style={{ width: 380 }}>
        <Typography.Title level={2}>Sign in to Keeper</Typography.Title>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label="Username" name="username" rules={[{ required: true, message: 'Enter your username' }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label="Password" name="password" rules={[{ required: true, message: 'Enter your password' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {needTotp && (
            <Form.Item label="Two-factor code" name="totp">
              <Input autoComplete="one-time-code" inputMode="numeric" />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy}>
            Sign in
          </Button>
        </Form>
        {!!providers.data?.items.length && (
          <>
            <Divider plain>or</Divider>
            <Space orientation="vertical" style={{ width: '100%' }}>
              {providers.data.items.map((p) => (
                <Button key={p.kind + p.name} block href={p.login_url}>
                  Sign in with {p.display_name || p.name}
                </Button>
              ))}
            </Space>
          </>
        )}
      </Card>
    </main>
  )
}
