import { diffLines, formatRules, parseRules } from './policy'

describe('parseRules', () => {
  it('reads p and g rules, skipping comments and blank lines', () => {
    const r = parseRules('# comment\np, role:admin, *, *, allow\n\ng, user:admin, role:admin\n')
    expect(r.errors).toEqual([])
    expect(r.rules).toEqual([
      { kind: 'p', subject: 'role:admin', object: '*', action: '*', effect: 'allow' },
      { kind: 'g', subject: 'user:admin', object: 'role:admin' },
    ])
  })
  it('names the line and the problem', () => {
    const r = parseRules('p, role:x, *, read, allow\np, bob, *, read, allow\np, user:a, *, fly, allow\ng, user:a, user:b\nq, x\np, user:a, *, read')
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6])
    expect(r.errors[0].message).toMatch(/user:NAME/)
    expect(r.errors[1].message).toMatch(/action "fly"/)
    expect(r.errors[2].message).toMatch(/role:NAME or group:NAME/)
    expect(r.errors[4].message).toMatch(/5 fields/)
    expect(r.rules).toHaveLength(1)
  })
  it('round-trips through formatRules', () => {
    const text = 'p, group:ci, libs-*, write, deny\ng, group:ci, role:developer'
    expect(formatRules(parseRules(text).rules)).toBe(text)
  })
})

describe('diffLines', () => {
  it('marks added and removed lines', () => {
    const d = diffLines('a\nb\nc', 'a\nc\nd')
    expect(d.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: 'b' },
      { op: '+', text: 'd' },
    ])
  })
})
