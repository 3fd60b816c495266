// The body of GET /api/v1/system/settings (README "Configuration"): secrets
// come only as set or not set, never with a value.

export interface Setting {
  key: string
  value?: string
  secret?: boolean
  set?: boolean
}

export interface Scanner {
  name: string
  program: string
  found: boolean
}

export interface SystemSettings {
  version: string
  go_version: string
  serving_on: string
  summary: {
    listen: string
    base_url: string
    data_dir: string
    tls: string
    database: 'sqlite' | 'postgres'
    database_target: string
    blob_store: string
    blob_target: string
    search: string
    egress: string
    rate_limits: string
    plugin_cache_dir: string
    sso: string[]
  }
  scanners: Scanner[]
  settings: Setting[]
}

// section is a setting's top-level key ("database" of "database.url",
// "sso" of "sso[0].name").
export function section(key: string): string {
  return key.split(/[.[]/)[0]
}

// filterSettings keeps the settings whose key or value contains q (any
// case) or whose section is one of sections (all when empty).
export function filterSettings(all: Setting[], q: string, sections: string[] = []): Setting[] {
  const needle = q.trim().toLowerCase()
  return all.filter(
    (s) =>
      (sections.length === 0 || sections.includes(section(s.key))) &&
      (!needle || s.key.toLowerCase().includes(needle) || (s.value ?? '').toLowerCase().includes(needle)),
  )
}

// sections lists the top-level keys in their first order.
export function sections(all: Setting[]): string[] {
  return [...new Set(all.map((s) => section(s.key)))]
}
