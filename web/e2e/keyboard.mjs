// The keyboard walk of the browser e2e (ui.mjs): sign in, every main
// page, a dialog opened and closed, and a repository created with Tab,
// Shift+Tab, Enter, Space, arrows and typing only; every element acted on
// must show where the focus is.

// focused describes document.activeElement: its accessible name as far as
// the test needs it, and whether a focus indicator is drawn on it or on a
// near wrapper (antd draws the ring on the wrapper of inputs and radios).
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement
    if (!el || el === document.body) return { name: '', visible: false, html: 'body' }
    const labelled = el.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ')
    const name = (el.getAttribute('aria-label') || labelled || el.labels?.[0]?.textContent || el.textContent || el.getAttribute('placeholder') || '').trim()
    const ring = (e) => {
      const s = getComputedStyle(e)
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow !== 'none' && s.boxShadow !== '')
    }
    // Climb only through wrappers of this one control, not into a container
    // (a dialog's own shadow is no focus ring).
    let visible = false
    for (let e = el, i = 0; e && i < 4 && !visible; e = e.parentElement, i++) {
      if (i > 0 && e.querySelectorAll('input, button, textarea, select, a[href]').length > 1) break
      const r = e.getBoundingClientRect()
      visible = ring(e) && r.width > 0 && r.height > 0
    }
    return { name, visible, html: el.outerHTML.slice(0, 160) }
  })
}

// tabTo presses Tab (or Shift+Tab) until the focused element's name matches,
// then checks that its focus is visible.
async function tabTo(page, match, { back = false, max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
    const f = await focused(page)
    if (typeof match === 'string' ? f.name === match : match.test(f.name)) {
      if (!f.visible) throw new Error(`keyboard: no visible focus on ${f.html}`)
      return f
    }
  }
  throw new Error(`keyboard: ${max} ${back ? 'Shift+Tab' : 'Tab'} presses never reached ${match}`)
}

async function expectFocus(page, match, what) {
  // Some widgets move the focus on the next animation frame.
  let f = await focused(page)
  for (let i = 0; i < 20 && !(typeof match === 'string' ? f.name === match : match.test(f.name)); i++) {
    await page.waitForTimeout(100)
    f = await focused(page)
  }
  if (!(typeof match === 'string' ? f.name === match : match.test(f.name))) throw new Error(`keyboard: ${what}: focus is on ${f.html}`)
  if (!f.visible) throw new Error(`keyboard: ${what}: no visible focus on ${f.html}`)
}

// The main navigation, top to bottom, and each page's heading.
const pages = [
  ['Dashboard', 'Dashboard'],
  ['Repositories', 'Repositories'],
  ['Search', 'Search'],
  ['Plugins', 'Plugins'],
  ['Policies', 'Policies'],
  ['Users', 'Users and service accounts'],
  ['Groups', 'Groups'],
  ['SSO providers', 'Single sign-on providers'],
  ['Webhooks', 'Webhooks'],
  ['Audit log', 'Audit log'],
  ['Health', 'Health'],
]

export async function keyboardWalk({ page, base, admin, adminPassword, log, shot }) {
  log('keyboard: sign in')
  await page.goto(base + '/ui/')
  await page.getByRole('heading', { name: 'Sign in to Keeper' }).waitFor()
  await tabTo(page, 'Username')
  await page.keyboard.type(admin)
  await tabTo(page, 'Password')
  await page.keyboard.type(adminPassword)
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()

  log('keyboard: every main page through the navigation (Tab into it, arrows, Enter)')
  await tabTo(page, /^DashboardRepositoriesSearch/) // the menu takes the focus; the arrows pick an item
  await page.keyboard.press('Home')
  for (const [i, [item, heading]] of pages.entries()) {
    if (i > 0) await page.keyboard.press('ArrowDown')
    await expectFocus(page, item, `arrows to ${item}`)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: heading, exact: true }).waitFor()
    // A page may take the focus (Search focuses its box): Shift+Tab leads
    // back to the menu, which remembers its item.
    if ((await focused(page)).name !== item) await tabTo(page, /^DashboardRepositoriesSearch/, { back: true })
  }
  await shot(page, '16-keyboard-navigation')

  log('keyboard: a dialog opens with Enter and closes with Escape, focus back on its button')
  await page.keyboard.press('Home')
  await expectFocus(page, 'Dashboard', 'Home in the navigation')
  await page.keyboard.press('ArrowDown')
  // The menu moves its focus on a later frame: Enter before that opens the Dashboard again.
  await expectFocus(page, 'Repositories', 'ArrowDown to Repositories')
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'Repositories', exact: true }).waitFor()
  await tabTo(page, 'Create repository')
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  await expectFocus(page, 'Create repository', 'after Escape closed the dialog')

  log('keyboard: create a repository (Space opens it, arrows pick the type, typing fills the form)')
  await page.keyboard.press('Space')
  await dialog.waitFor()
  await tabTo(page, /^local$/)
  await page.keyboard.press('ArrowRight') // remote
  await page.keyboard.press('ArrowLeft') // back to local
  await dialog.locator('label.ant-radio-button-wrapper-checked', { hasText: 'local' }).waitFor()
  await tabTo(page, 'Key')
  await page.keyboard.type('kb-local')
  await tabTo(page, 'Format')
  await page.keyboard.type('npm')
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '(npm)' }).first().waitFor()
  await page.keyboard.press('Enter')
  await tabTo(page, 'Key', { back: true }) // Shift+Tab goes back through the form
  await tabTo(page, 'Create')
  await shot(page, '17-keyboard-create-repository')
  await page.keyboard.press('Enter')
  await page.getByRole('link', { name: 'kb-local', exact: true }).waitFor()
  await dialog.waitFor({ state: 'hidden' })
}
