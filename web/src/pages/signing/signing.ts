// The signing-key API's bodies (docs/signing.md) and the page's helpers.
// Keys are only ever described by their public parts.

export interface SigningKey {
  id: string
  name: string
  algorithm: string
  fingerprint: string
  user_id: string
  status: 'active' | 'retired' | 'revoked'
  replaced_by?: string
  public_key: string
  created_by?: string
  created_at: string
  updated_at: string
}

export interface Assignment {
  repository: string
  key_id: string
}

export const ALGORITHMS = ['ed25519', 'rsa3072', 'rsa4096'] as const

export interface CreateValues {
  mode: 'generate' | 'import'
  name: string
  algorithm?: string
  email?: string
  private_key?: string
}

// createBody is the POST /signing/keys body of the form: an algorithm to
// generate a key, or the armored private key to import (and no algorithm).
export function createBody(v: CreateValues): Record<string, string> {
  const b: Record<string, string> = { name: v.name.trim() }
  if (v.email?.trim()) b.email = v.email.trim()
  if (v.mode === 'import') b.private_key = v.private_key ?? ''
  else b.algorithm = v.algorithm ?? 'ed25519'
  return b
}

// reposByKey groups the repositories by the id of the key that signs them,
// each list sorted.
export function reposByKey(as: Assignment[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const a of as) {
    const l = m.get(a.key_id) ?? []
    l.push(a.repository)
    m.set(a.key_id, l)
  }
  for (const l of m.values()) l.sort()
  return m
}

// fingerprintGroups writes a fingerprint as gpg does: upper-case groups of
// four hex digits.
export function fingerprintGroups(fp: string): string {
  return (fp.toUpperCase().match(/.{1,4}/g) ?? []).join(' ')
}
