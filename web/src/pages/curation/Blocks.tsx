import { useState } from 'react'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Alert, Button, Select, Space, Table, Tag } from 'antd'
import { api, type List, type Repository } from '../../api'
import { ruleColor, type BlockList, type CurationBlock } from './curation'

const pageSize = 50

// Blocks is the report of what curation refused, newest first
// (GET /curation/blocks), filtered by repository, paged by next_before.
export default function Blocks() {
  const [repo, setRepo] = useState('')
  const repos = useQuery({
    queryKey: ['repositories', 'remote'],
    queryFn: () => api<List<Repository>>('/repositories', { query: { type: 'remote', limit: 500 } }),
  })
  const blocks = useInfiniteQuery({
    queryKey: ['curation', 'blocks', repo],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => api<BlockList>('/curation/blocks', { query: { repository: repo, before: pageParam || undefined, limit: pageSize } }),
    getNextPageParam: (last) => last.next_before,
  })
  const rows = blocks.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <label htmlFor="blocks-repo">Repository</label>
        <Select
          id="blocks-repo"
          aria-label="Repository"
          allowClear
          placeholder="Every repository"
          style={{ minWidth: 240 }}
          value={repo || undefined}
          onChange={(v) => setRepo(v ?? '')}
          options={(repos.data?.items ?? []).map((r) => ({ value: r.key, label: r.key }))}
        />
        <Button onClick={() => void blocks.refetch()} loading={blocks.isFetching && !blocks.isFetchingNextPage}>
          Refresh
        </Button>
      </Space>
      {blocks.error && <Alert type="error" role="alert" title={(blocks.error as Error).message} />}
      <Table<CurationBlock>
        rowKey="id"
        aria-label="Blocked downloads"
        loading={blocks.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: 'Nothing was refused' }}
        columns={[
          { title: 'When', render: (_, b) => new Date(b.at).toLocaleString() },
          { title: 'Repository', dataIndex: 'repository' },
          { title: 'Package', render: (_, b) => (b.package ? `${b.package}${b.version ? '@' + b.version : ''}` : b.path) },
          { title: 'Rule', render: (_, b) => <Tag color={ruleColor[b.rule] ?? 'default'}>{b.rule}</Tag> },
          { title: 'Reason', dataIndex: 'reason' },
        ]}
      />
      {blocks.hasNextPage && (
        <Button style={{ marginTop: 16 }} onClick={() => void blocks.fetchNextPage()} loading={blocks.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </>
  )
}
