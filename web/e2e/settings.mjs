// Browser end-to-end test of the system settings page
// (web/src/pages/settings/) against a keeper started with known secrets,
// driven by e2e/webui_system_test.go through runUIScript:
//   KEEPER_UI_SECRETS      the secret values (comma-separated), never to be seen
//   KEEPER_UI_SECRET_KEYS  their setting keys, each to read "secret set"
//   KEEPER_UI_DATABASE     the database kind the keeper runs on
// The page must show the configured listen address, the address actually
// served on (the keeper's URL), the database kind; no secret may appear in
// the page (light and dark) or in any answer the page received. Any console
// error, page error, failed request or 4xx/5xx answer fails the run.
import { base, finish, log, openPage, scenario, shot } from './lib.mjs'

const secrets = (process.env.KEEPER_UI_SECRETS ?? '').split(',').filter(Boolean)
const secretKeys = (process.env.KEEPER_UI_SECRET_KEYS ?? '').split(',').filter(Boolean)
const database = process.env.KEEPER_UI_DATABASE
if (!secrets.length || !secretKeys.length || !database) throw new Error('KEEPER_UI_SECRETS, KEEPER_UI_SECRET_KEYS and KEEPER_UI_DATABASE are required')

// noSecret fails when text holds any secret value.
function noSecret(where, text) {
  for (const s of secrets) if (text.includes(s)) throw new Error(`secret ${JSON.stringify(s)} in ${where}`)
}

await scenario('settings', async ({ page }) => {
  const bodies = []
  page.on('response', async (r) => {
    if (r.url().startsWith(base + '/api/v1/') && !r.url().includes('/auth/')) bodies.push({ url: r.url(), text: await r.text().catch(() => '') })
  })

  log('settings: open the page')
  await openPage(page, 'System settings', 'System settings')
  const servingOn = new URL(base).host
  await page.getByTestId('serving-on').filter({ hasText: servingOn }).waitFor()
  const listen = await page.getByTestId('listen').innerText()
  if (listen !== '127.0.0.1:0') throw new Error(`configured listen address shown: ${listen}`)
  const db = await page.getByTestId('database-kind').innerText()
  if (db !== database) throw new Error(`database kind shown: ${db}, want ${database}`)

  log('settings: every secret reads set, without its value')
  const table = page.getByRole('table', { name: 'Settings' })
  for (const key of secretKeys) {
    await page.getByLabel('Filter settings').fill(key)
    const row = table.locator(`tr[data-row-key="${key}"]`)
    await row.filter({ hasText: 'secret set' }).waitFor()
  }
  await page.getByLabel('Filter settings').fill('listen')
  await table.locator('tr[data-row-key="listen"]', { hasText: '127.0.0.1:0' }).waitFor()
  await page.getByLabel('Filter settings').fill('')
  await table.locator('tr[data-row-key="database.max_open_conns"]').waitFor()
  noSecret('the page', await page.content())
  await shot(page, 'settings-light')

  log('settings: dark theme')
  await page.getByRole('switch', { name: 'Dark theme' }).click()
  await page.locator('.ant-layout-sider-dark').waitFor()
  noSecret('the page (dark)', await page.content())
  await shot(page, 'settings-dark')

  const answers = bodies.filter((b) => b.url.includes('/system/settings'))
  if (!answers.length) throw new Error('the page did not call /api/v1/system/settings')
  for (const b of bodies) noSecret(b.url, b.text)
})

finish()
