// Turns a flat artifact listing under a prefix into the next level of a
// tree: folders (one per distinct next path segment) and files.
export interface Level {
  folders: string[]
  files: string[]
}

export function level(paths: string[], prefix: string): Level {
  const folders = new Set<string>()
  const files: string[] = []
  for (const p of paths) {
    if (!p.startsWith(prefix)) continue
    const rest = p.slice(prefix.length)
    const slash = rest.indexOf('/')
    if (slash < 0) files.push(p)
    else folders.add(prefix + rest.slice(0, slash + 1))
  }
  return { folders: [...folders].sort(), files: files.sort() }
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}
