import { useState } from 'react'
import { Alert, App, Button, Card, Form, Input, Typography } from 'antd'
import { api, setSession, type Session } from '../api'

// ChangePassword is the forced password change after signing in with a
// password an administrator set, and the profile's password form.
export default function ChangePassword({ forced = false }: { forced?: boolean }) {
  const [error, setError] = useState('')
  const { message } = App.useApp()
  const [form] = Form.useForm()
  const submit = async (v: { current_password: string; new_password: string }) => {
    setError('')
    try {
      const body = { current_password: v.current_password, new_password: v.new_password }
      const s = await api<Session>('/users/me/password', { method: 'PUT', body })
      form.resetFields()
      message.success('Password changed')
      if (s?.access_token) setSession(s)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }
  const body = (
    <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 380 }}>
      {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 16 }} />}
      <Form.Item label="Current password" name="current_password" rules={[{ required: true }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Form.Item label="New password" name="new_password" rules={[{ required: true, min: 8 }]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        label="Repeat new password"
        name="repeat"
        dependencies={['new_password']}
        rules={[
          { required: true },
          ({ getFieldValue }) => ({
            validator: (_, v) => (v === getFieldValue('new_password') ? Promise.resolve() : Promise.reject(new Error('The passwords differ'))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit">
        Change password
      </Button>
    </Form>
  )
  if (!forced) return body
  return (
    <main style={{ display: 'flex', justifyContent: 'center', paddingTop: '10vh' }}>
      <Card style={{ width: 420 }}>
        <Typography.Title level={2}>Choose a new password</Typography.Title>
        <Typography.Paragraph>An administrator set your password; choose your own before you continue.</Typography.Paragraph>
        {body}
      </Card>
    </main>
  )
}
