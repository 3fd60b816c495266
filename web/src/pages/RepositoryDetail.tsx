import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Descriptions, Empty, Tabs, Tag, Typography } from 'antd'
import { useParams } from 'react-router'
import { api, type Repository, type SecurityDashboard } from '../api'
import { GradeTag, repoVerdict } from '../security'
import { useSession } from '../session'
import { Browse } from './Browse'
import { RepoForm } from './RepoForm'
import { RepositoryOps } from './ops/ArtifactOps'

interface Snippet {
  kind: string
  client: string
  target: string
  text: string
}

// SetMeUp shows the client set-up snippets the format's plugin declared in
// its describe export (GET /repositories/{key}/setup): the UI knows no format.
function SetMeUp({ repoKey }: { repoKey: string }) {
  const setup = useQuery({
    queryKey: ['setup', repoKey],
    queryFn: () => api<{ url: string; format: string; snippets: Snippet[] }>(`/repositories/${encodeURIComponent(repoKey)}/setup`),
  })
  if (setup.error) return <Alert type="warning" title={(setup.error as Error).message} />
  if (!setup.data) return null
  return (
    <>
      <Typography.Paragraph>
        Repository URL: <Typography.Text copyable code>{setup.data.url}</Typography.Text>. Replace <code>&lt;TOKEN&gt;</code> with an API token from your
        profile.
      </Typography.Paragraph>
      {setup.data.snippets.length === 0 && <Empty description="This format's plugin declares no set-up snippets" />}
      {setup.data.snippets.map((s, i) => (
        <Card
          key={i}
          size="small"
          style={{ marginBottom: 12 }}
          title={
            <>
              <Tag>{s.kind}</Tag> {s.client} {s.target && <Typography.Text type="secondary">in {s.target}</Typography.Text>}
            </>
          }
        >
          <Typography.Paragraph copyable={{ text: s.text }}>
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{s.text}</pre>
          </Typography.Paragraph>
        </Card>
      ))}
    </>
  )
}

export default function RepositoryDetail() {
  const { key = '' } = useParams()
  const [editing, setEditing] = useState(false)
  const { me } = useSession()
  const repo = useQuery({ queryKey: ['repository', key], queryFn: () => api<Repository>(`/repositories/${encodeURIComponent(key)}`) })
  // The security API is for administrators; others see no grade rather than a guess.
  const score = useQuery({
    queryKey: ['security', 'scores', key],
    enabled: !!me?.is_admin && !!repo.data,
    queryFn: () => api<SecurityDashboard>('/security/scores', { query: { repository: key } }),
  })
  if (repo.error) return <Alert type="error" title={(repo.error as Error).message} />
  const r = repo.data
  return (
    <>
      <Typography.Title level={2}>
        {key} {r && <Tag>{r.format}</Tag>} {r && <Tag>{r.repo_type}</Tag>}
      </Typography.Title>
      {score.data && (
        <Typography.Paragraph>
          Security: <GradeTag v={repoVerdict(score.data.repositories.find((s) => s.repository === key))} testId="repo-grade" />
        </Typography.Paragraph>
      )}
      <Tabs
        items={[
          { key: 'browse', label: 'Browse', children: <Browse repoKey={key} /> },
          { key: 'setup', label: 'Set me up', children: <SetMeUp repoKey={key} /> },
          {
            key: 'settings',
            label: 'Settings',
            children: r && (
              <>
                <Descriptions bordered column={1} size="small">
                  <Descriptions.Item label="Name">{r.name}</Descriptions.Item>
                  <Descriptions.Item label="Description">{r.description}</Descriptions.Item>
                  <Descriptions.Item label="Public">{r.is_public ? 'yes' : 'no'}</Descriptions.Item>
                  {r.repo_type === 'remote' && <Descriptions.Item label="Upstream">{r.upstream_url}</Descriptions.Item>}
                  {r.repo_type === 'virtual' && (
                    <Descriptions.Item label="Members">
                      {[...(r.member_repos ?? [])]
                        .sort((a, b) => a.priority - b.priority)
                        .map((m) => m.repo_key)
                        .join(' → ')}
                    </Descriptions.Item>
                  )}
                  {Object.entries(r.config ?? {}).map(([k, v]) => (
                    <Descriptions.Item key={k} label={k}>
                      {v}
                    </Descriptions.Item>
                  ))}
                </Descriptions>
                <Button style={{ marginTop: 16 }} onClick={() => setEditing(true)}>
                  Edit
                </Button>
                <RepositoryOps repo={r} />
                <RepoForm
                  open={editing}
                  repo={r}
                  onClose={(changed) => {
                    setEditing(false)
                    if (changed) void repo.refetch()
                  }}
                />
              </>
            ),
          },
        ]}
      />
    </>
  )
}
