// Properties (docs/properties.md): key → values, Artifactory-style. A change
// is {set, remove}: set replaces every value of the keys it names.

export type Properties = Record<string, string[]>

export interface PropertyChange {
  set?: Properties
  remove?: string[]
}

const KEY = /^[A-Za-z0-9._-]{1,128}$/

// keyError says what is wrong with a property key, or '' when it is valid.
export function keyError(k: string): string {
  if (!k) return 'A key is required'
  if (!KEY.test(k)) return 'Letters, digits, ".", "_" and "-" only, at most 128 characters'
  return ''
}

// cleanValues trims the values, drops empty ones and duplicates, keeping order.
export function cleanValues(vs: string[]): string[] {
  const out: string[] = []
  for (const v of vs.map((s) => s.trim())) if (v && !out.includes(v)) out.push(v)
  return out
}

// setChange is the change that gives key exactly values (a rename removes
// the old key in the same request).
export function setChange(key: string, values: string[], oldKey?: string): PropertyChange {
  const c: PropertyChange = { set: { [key]: cleanValues(values) } }
  if (oldKey && oldKey !== key) c.remove = [oldKey]
  return c
}

// propertiesPath is the API path of a repository's properties, or of the
// artifact at path in it.
export function propertiesPath(repo: string, path?: string): string {
  const base = `/repositories/${encodeURIComponent(repo)}/properties`
  return path ? `${base}/${path.split('/').map(encodeURIComponent).join('/')}` : base
}

// parseQuery turns "key:value key2 …" (spaces or commas) into the search's
// property=key:value conditions; conditions are passed through as typed.
export function parseQuery(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean)
}

// searchURL is the property search page for one condition.
export function searchLink(key: string, value?: string, repo?: string): string {
  const q = new URLSearchParams({ property: value === undefined ? key : `${key}:${value}` })
  if (repo) q.set('repository', repo)
  return `/search/properties?${q.toString()}`
}
