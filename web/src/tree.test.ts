import { formatSize, level } from './tree'

describe('level', () => {
  const paths = ['a/x/1.tgz', 'a/y.tgz', 'b/z', 'root.txt']
  it('splits the root into folders and files', () => {
    expect(level(paths, '')).toEqual({ folders: ['a/', 'b/'], files: ['root.txt'] })
  })
  it('lists one folder', () => {
    expect(level(paths, 'a/')).toEqual({ folders: ['a/x/'], files: ['a/y.tgz'] })
  })
})

describe('formatSize', () => {
  it('uses binary units', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(1536)).toBe('1.5 KiB')
    expect(formatSize(5 * 1024 * 1024)).toBe('5.0 MiB')
  })
})
