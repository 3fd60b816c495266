import { fillDays } from './Downloads'

describe('fillDays', () => {
  it('has one entry per day, zero where nothing was downloaded', () => {
    const days = fillDays([{ day: '2026-02-28', downloads: 3, bytes: 0 }], '2026-02-27', '2026-03-01')
    expect(days).toEqual([
      { day: '2026-02-27', downloads: 0 },
      { day: '2026-02-28', downloads: 3 },
      { day: '2026-03-01', downloads: 0 },
    ])
  })
  it('is empty for a bad range and bounded to a year', () => {
    expect(fillDays([], 'x', '2026-01-01')).toEqual([])
    expect(fillDays([], '2020-01-01', '2026-01-01')).toHaveLength(366)
  })
})
