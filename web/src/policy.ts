import type { PolicyRule } from './api'

// The casbin-style text form of the rules (docs/authorization.md):
//   p, SUBJECT, REPOSITORY-PATTERN, ACTION, allow|deny
//   g, MEMBER, role:NAME | group:NAME
// Blank lines and lines starting with # are ignored. The server validates
// again on save; this check only points at the line early.

export const actions = ['read', 'write', 'delete', 'admin', 'policy', '*']
const subject = /^(user|group|role):[^\s,]+$/

export interface ParseResult {
  rules: PolicyRule[]
  errors: { line: number; message: string }[]
}

export function parseRules(text: string): ParseResult {
  const rules: PolicyRule[] = []
  const errors: ParseResult['errors'] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const f = line.split(',').map((s) => s.trim())
    const err = (message: string) => errors.push({ line: i + 1, message })
    if (f[0] === 'p') {
      if (f.length !== 5) return err('a p rule has 5 fields: p, subject, repository, action, allow|deny')
      const [, s, o, a, e] = f
      if (!subject.test(s)) return err(`subject "${s}": use user:NAME, group:NAME or role:NAME`)
      if (!o) return err('repository pattern is empty')
      if (!actions.includes(a)) return err(`action "${a}": one of ${actions.join(', ')}`)
      if (e !== 'allow' && e !== 'deny') return err(`effect "${e}": allow or deny`)
      rules.push({ kind: 'p', subject: s, object: o, action: a, effect: e })
    } else if (f[0] === 'g') {
      if (f.length !== 3) return err('a g rule has 3 fields: g, member, role:NAME|group:NAME')
      const [, s, o] = f
      if (!subject.test(s)) return err(`member "${s}": use user:NAME, group:NAME or role:NAME`)
      if (!/^(role|group):[^\s,]+$/.test(o)) return err(`"${o}": a g rule grants role:NAME or group:NAME`)
      rules.push({ kind: 'g', subject: s, object: o })
    } else {
      err('a rule starts with p or g')
    }
  })
  return { rules, errors }
}

export function formatRules(rules: PolicyRule[]): string {
  return rules
    .map((r) =>
      r.kind === 'p'
        ? ['p', r.subject, r.object, r.action ?? '', r.effect || 'allow'].join(', ')
        : ['g', r.subject, r.object].join(', '),
    )
    .join('\n')
}

// diffLines is a line diff (longest common subsequence) for the preview
// before saving: each line marked kept, added or removed.
export function diffLines(before: string, after: string): { op: ' ' | '+' | '-'; text: string }[] {
  const a = before.split('\n').filter((l) => l.trim())
  const b = after.split('\n').filter((l) => l.trim())
  const n = a.length
  const m = b.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  const out: { op: ' ' | '+' | '-'; text: string }[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] })
      i++
      j++
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push({ op: '+', text: b[j++] })
    } else {
      out.push({ op: '-', text: a[i++] })
    }
  }
  return out
}
