import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp } from 'antd'
import type { ReactNode } from 'react'
import Webhooks from './Webhooks'

function wrap(ui: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <AntApp>
      <QueryClientProvider client={qc}>{ui}</QueryClientProvider>
    </AntApp>,
  )
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

beforeAll(() => {
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {} })) as never
})

afterEach(() => vi.unstubAllGlobals())

const hook = {
  id: 7,
  name: 'ci',
  url: 'https://hooks.example/ci',
  format: 'slack',
  events: ['artifact.uploaded'],
  enabled: false,
  has_secret: true,
  consecutive_failures: 20,
  disabled_reason: 'disabled after consecutive failed deliveries',
}

describe('Webhooks', () => {
  it('lists webhooks, creates one with a write-only secret, shows deliveries and redelivers', async () => {
    const calls: { method: string; url: string; body?: unknown }[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET'
        calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined })
        if (url.includes('/deliveries/3/redeliver')) return json(202, { id: 4, status: 'pending' })
        if (url.includes('/webhooks/7/deliveries'))
          return json(200, {
            items: [{ id: 3, event_id: 'e', event_type: 'artifact.uploaded', status: 'failed', attempts: 8, response_code: 500, response_body: 'down', duration_ms: 12, created_at: 'now' }],
            total: 1,
          })
        if (method === 'POST' && url.endsWith('/webhooks')) return json(201, { ...hook, id: 8, name: 'chat' })
        return json(200, { items: [hook] })
      }),
    )
    wrap(<Webhooks />)
    expect(await screen.findByText('ci')).toBeTruthy()
    expect(screen.getByText('disabled after consecutive failed deliveries')).toBeTruthy()
    expect(screen.getByRole('switch', { name: 'Enabled ci' }).getAttribute('aria-checked')).toBe('false')

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create webhook' })))
    const dialog = await screen.findByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'chat' } })
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'https://hooks.example/chat' } })
    fireEvent.change(within(dialog).getByLabelText('Secret'), { target: { value: 'a-secret-of-enough-length' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Create' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/webhooks'))).toBe(true))
    const created = calls.find((c) => c.method === 'POST' && c.url.endsWith('/webhooks'))!
    expect(created.body).toEqual({ name: 'chat', url: 'https://hooks.example/chat', format: 'json', events: ['artifact.uploaded'], secret: 'a-secret-of-enough-length' })

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Deliveries of ci' })))
    expect(await screen.findByText('failed')).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Redeliver delivery 3' })))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.includes('/webhooks/7/deliveries/3/redeliver'))).toBe(true))
  })
})
