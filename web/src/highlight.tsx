import type { ReactNode } from 'react'

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#34;': '"' }

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#34);/g, (e) => entities[e] ?? e)
}

// highlight renders the search API's highlight text (HTML-escaped, matches
// in <mark>) as React nodes: no HTML from the server is ever injected.
export function highlight(text: string): ReactNode[] {
  return text.split(/(<mark>.*?<\/mark>)/g).map((part, i) =>
    part.startsWith('<mark>') ? <mark key={i}>{unescape(part.slice(6, -7))}</mark> : unescape(part),
  )
}
