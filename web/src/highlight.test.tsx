import { render } from '@testing-library/react'
import { highlight } from './highlight'

describe('highlight', () => {
  it('marks matches and never injects HTML', () => {
    const { container } = render(<p>{highlight('a <mark>left&lt;pad</mark> &lt;script&gt;x&lt;/script&gt;')}</p>)
    expect(container.querySelector('mark')?.textContent).toBe('left<pad')
    expect(container.querySelector('script')).toBeNull()
    expect(container.textContent).toBe('a left<pad <script>x</script>')
  })
})
