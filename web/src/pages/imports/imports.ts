// The import API's bodies (docs/import.md), the start form's conversion and
// a reader of the import's server-sent events (fetch, so the request carries
// the session's bearer token, which EventSource cannot send).
import { accessToken, ApiError, refresh } from '../../api'

export interface ImportItem {
  repository: string
  path: string
  outcome: 'imported' | 'skipped' | 'failed'
  reason?: string
}

export interface ImportJob {
  id: string
  url: string
  // interrupted: the server that ran it stopped before it finished
  state: 'running' | 'done' | 'failed' | 'interrupted'
  started_at: string
  finished_at?: string
  error?: string
  by?: string
  imported: number
  skipped: number
  failed: number
  bytes: number
  items?: ImportItem[]
}

export interface StartValues {
  url: string
  token?: string
  user?: string
  password?: string
  repositories?: string
  map?: string
  security?: boolean
}

export interface ImportSpec {
  url: string
  token?: string
  user?: string
  password?: string
  repositories?: string[]
  map?: Record<string, string>
  security?: boolean
}

// toSpec is the POST body of the start form: repositories separated by
// commas or spaces, the map one SOURCE=TARGET a line. A malformed map line
// throws naming it.
export function toSpec(v: StartValues): ImportSpec {
  const s: ImportSpec = { url: v.url.trim() }
  if (v.token) s.token = v.token
  else if (v.user) {
    s.user = v.user.trim()
    s.password = v.password ?? ''
  }
  const repos = (v.repositories ?? '').split(/[\s,]+/).filter((r) => r !== '')
  if (repos.length) s.repositories = repos
  const map: Record<string, string> = {}
  for (const line of (v.map ?? '').split(/\r?\n/)) {
    const l = line.trim()
    if (!l) continue
    const [from, to, ...rest] = l.split('=').map((x) => x.trim())
    if (!from || !to || rest.length) throw new Error(`"${l}" is not SOURCE=TARGET`)
    map[from] = to
  }
  if (Object.keys(map).length) s.map = map
  if (v.security) s.security = true
  return s
}

export interface SSEEvent {
  event: string
  id?: string
  data: string
}

// SSEParser splits a server-sent event stream into events as its text
// arrives (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
export class SSEParser {
  private buf = ''
  push(chunk: string): SSEEvent[] {
    this.buf += chunk
    const out: SSEEvent[] = []
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.buf)
      if (!m) break
      const block = this.buf.slice(0, m.index)
      this.buf = this.buf.slice(m.index + m[0].length)
      let event = 'message'
      let id: string | undefined
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue
        const i = line.indexOf(':')
        const field = i < 0 ? line : line.slice(0, i)
        let value = i < 0 ? '' : line.slice(i + 1)
        if (value.startsWith(' ')) value = value.slice(1)
        if (field === 'event') event = value
        else if (field === 'data') data.push(value)
        else if (field === 'id') id = value
      }
      if (data.length) out.push({ event, id, data: data.join('\n') })
    }
    return out
  }
}

// followImport streams GET /admin/imports/{id}/events from the first item:
// onItem for every item, then onDone with the final job. It resolves when
// the stream ends or signal aborts.
export async function followImport(
  id: string,
  onItem: (it: ImportItem, index: number) => void,
  onDone: (job: ImportJob) => void,
  signal: AbortSignal,
): Promise<void> {
  const path = `/api/v1/admin/imports/${encodeURIComponent(id)}/events`
  const open = () => fetch(path, { headers: { Authorization: 'Bearer ' + accessToken(), Accept: 'text/event-stream' }, signal })
  let r = await open()
  if (r.status === 401 && (await refresh())) r = await open()
  if (!r.ok || !r.body) {
    let message = r.statusText || 'the progress could not be followed'
    try {
      const e = (await r.json()) as { error?: { message: string } }
      if (e.error) message = e.error.message
    } catch {
      /* not JSON */
    }
    throw new ApiError(r.status, 'error', message)
  }
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader()
  const parser = new SSEParser()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      for (const e of parser.push(value)) {
        if (e.event === 'item') onItem(JSON.parse(e.data) as ImportItem, Number(e.id ?? 0))
        else if (e.event === 'done') onDone(JSON.parse(e.data) as ImportJob)
      }
    }
  } finally {
    reader.releaseLock()
  }
}

// tally counts the items by outcome.
export function tally(items: ImportItem[]): { imported: number; skipped: number; failed: number } {
  const t = { imported: 0, skipped: 0, failed: 0 }
  for (const it of items) t[it.outcome]++
  return t
}
