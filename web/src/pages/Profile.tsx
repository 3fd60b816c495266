import { useQuery } from '@tanstack/react-query'
import { App, Button, Card, Form, Input, Typography } from 'antd'
import { api, type User } from '../api'
import ChangePassword from './ChangePassword'
import { Tokens } from './Tokens'

export default function Profile() {
  const { message } = App.useApp()
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<User>('/users/me') })
  return (
    <>
      <Typography.Title level={2}>Profile</Typography.Title>
      {me.data && (
        <Card title={me.data.username} style={{ marginBottom: 16 }}>
          <Form
            layout="vertical"
            style={{ maxWidth: 380 }}
            initialValues={me.data}
            onFinish={async (v: { email: string; display_name: string }) => {
              await api('/users/me', { method: 'PATCH', body: v })
              message.success('Profile saved')
            }}
          >
            <Form.Item label="Display name" name="display_name">
              <Input />
            </Form.Item>
            <Form.Item label="Email" name="email" rules={[{ type: 'email' }]}>
              <Input />
            </Form.Item>
            <Button htmlType="submit">Save profile</Button>
          </Form>
        </Card>
      )}
      <Card title="API tokens" style={{ marginBottom: 16 }}>
        <Tokens base="/users/me" />
      </Card>
      <Card title="Password">
        <ChangePassword />
      </Card>
    </>
  )
}
