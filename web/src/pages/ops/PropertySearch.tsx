import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Form, Input, Space, Table, Tag, Typography } from 'antd'
import { Link, useSearchParams } from 'react-router'
import { api } from '../../api'
import { parseQuery, searchLink, type Properties } from './properties'

interface Hit {
  repository: string
  format?: string
  path: string
  properties: Properties
}

// PropertySearch finds artifacts by properties (GET /search/properties) in
// the repositories the caller may read; the conditions live in the URL, so a
// property on an artifact links straight to its search.
export default function PropertySearch() {
  const [params, setParams] = useSearchParams()
  const conditions = params.getAll('property')
  const repository = params.get('repository') ?? ''
  const [after, setAfter] = useState<string[]>([''])
  const page = after[after.length - 1]
  const res = useQuery({
    queryKey: ['search-properties', conditions.join('&'), repository, page],
    enabled: conditions.length > 0,
    queryFn: () => {
      const q = new URLSearchParams()
      conditions.forEach((c) => q.append('property', c))
      if (repository) q.set('repository', repository)
      if (page) q.set('after', page)
      q.set('limit', '50')
      return api<{ items: Hit[]; next?: string }>(`/search/properties?${q.toString()}`)
    },
  })
  return (
    <>
      <Typography.Title level={2}>Search by property</Typography.Title>
      <Form
        layout="inline"
        style={{ marginBottom: 16 }}
        initialValues={{ q: conditions.join(' '), repository }}
        key={conditions.join(' ') + repository}
        onFinish={(v: { q: string; repository?: string }) => {
          const next = new URLSearchParams()
          parseQuery(v.q ?? '').forEach((c) => next.append('property', c))
          if (v.repository) next.set('repository', v.repository.trim())
          setAfter([''])
          setParams(next)
        }}
      >
        <Form.Item label="Properties" name="q" extra="key:value or key, several separated by spaces: values of one key are alternatives, different keys must all match.">
          <Input placeholder="qa.status:passed os:linux" style={{ width: 360 }} />
        </Form.Item>
        <Form.Item label="Repository" name="repository">
          <Input placeholder="every repository" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Search
        </Button>
      </Form>
      {res.error && <Alert type="error" role="alert" title={(res.error as Error).message} style={{ marginBottom: 16 }} />}
      <Table<Hit>
        rowKey={(h) => `${h.repository}/${h.path}`}
        aria-label="Artifacts found"
        loading={res.isFetching}
        dataSource={res.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: conditions.length ? 'No artifact has these properties' : 'Give a property to search for' }}
        columns={[
          { title: 'Repository', render: (_, h) => <Link to={`/repositories/${encodeURIComponent(h.repository)}`}>{h.repository}</Link> },
          { title: 'Path', dataIndex: 'path' },
          {
            title: 'Properties',
            render: (_, h) =>
              Object.entries(h.properties).flatMap(([k, vs]) =>
                vs.map((v) => (
                  <Link key={`${k}=${v}`} to={searchLink(k, v)}>
                    <Tag>
                      {k}={v}
                    </Tag>
                  </Link>
                )),
              ),
          },
        ]}
      />
      <Space style={{ marginTop: 12 }}>
        <Button disabled={after.length < 2} onClick={() => setAfter((a) => a.slice(0, -1))}>
          Previous
        </Button>
        <Button disabled={!res.data?.next} onClick={() => setAfter((a) => [...a, res.data!.next!])}>
          Next
        </Button>
      </Space>
    </>
  )
}
