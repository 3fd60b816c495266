import { useQuery } from '@tanstack/react-query'
import { Card, Descriptions, Tag, Typography } from 'antd'

interface Ready {
  ready: boolean
  checks: Record<string, string> | { name: string; ok: boolean; error?: string }[]
}

// Health shows the server's probes (/health and /ready: the documented
// probe routes beside the API).
export default function Health() {
  const health = useQuery({
    queryKey: ['health'],
    queryFn: async () => (await fetch('/health')).json() as Promise<{ status: string; version: string }>,
    refetchInterval: 10000,
  })
  const ready = useQuery({
    queryKey: ['ready'],
    queryFn: async () => (await fetch('/ready')).json() as Promise<Ready>,
    refetchInterval: 10000,
  })
  const checks = ready.data?.checks ?? {}
  return (
    <>
      <Typography.Title level={2}>Health</Typography.Title>
      <Card>
        <Descriptions column={1} bordered>
          <Descriptions.Item label="Status">{health.data?.status}</Descriptions.Item>
          <Descriptions.Item label="Version">{health.data?.version}</Descriptions.Item>
          <Descriptions.Item label="Ready">
            {ready.data && <Tag color={ready.data.ready ? 'green' : 'red'}>{ready.data.ready ? 'ready' : 'not ready'}</Tag>}
          </Descriptions.Item>
          {Object.entries(checks).map(([k, v]) => (
            <Descriptions.Item key={k} label={typeof v === 'object' && v && 'name' in v ? v.name : k}>
              {typeof v === 'string' ? v : JSON.stringify(v)}
            </Descriptions.Item>
          ))}
        </Descriptions>
      </Card>
    </>
  )
}
