// Browser end-to-end test of the admin UI against a running keeper, driven
// by e2e/webui_test.go (which builds and starts keeper, then runs this with
// node). Debian's Chromium through playwright-core. Environment:
//   KEEPER_URL, KEEPER_ADMIN_USER, KEEPER_ADMIN_PASSWORD  the server and its admin
//   KEEPER_PLUGIN_WASM   a built example plugin to install and hot-reload
//   KEEPER_UI_ARTIFACTS  where screenshots go (not committed)
//   CHROMIUM             the browser (default /usr/bin/chromium)
// keeper must let webhooks reach "localhost" (KEEPER_EGRESS_ALLOWED_HOSTS=localhost):
// a receiver in this script takes the deliveries.
// Any console error, page error, failed request or 4xx/5xx answer fails the run.
import { execFileSync } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keyboardWalk } from './keyboard.mjs'
import { base, admin, adminPassword, problems, browser, log, step, shot, expectText, pick, signIn, pickByKeyboard, removeAtEnd, finish } from './lib.mjs'

const wasm = process.env.KEEPER_PLUGIN_WASM
if (!wasm) throw new Error('KEEPER_PLUGIN_WASM is required')

async function createRepo(page, type, key, extra) {
  await page.getByRole('button', { name: 'Create repository' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.locator('label.ant-radio-button-wrapper', { hasText: type }).click()
  await dialog.locator('label.ant-radio-button-wrapper-checked', { hasText: type }).waitFor({ timeout: 5000 })
  await dialog.getByLabel('Key').fill(key)
  await pickByKeyboard(page, 'Format', '(npm)', 'npm')
  if (extra) await extra(dialog)
  await dialog.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByRole('link', { name: key, exact: true }).waitFor()
  // The next dialog opens only once this one has closed: a click during its
  // closing animation lands in the old form, which is then destroyed.
  await dialog.waitFor({ state: 'detached' })
}

async function api(path, token, init = {}) {
  const r = await fetch(base + '/api/v1' + path, { ...init, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } })
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`)
  return r.status === 204 ? null : r.json()
}

// The webhook receiver: it records every delivery and answers 200.
const received = []
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    received.push({ headers: req.headers, body })
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end('received')
  })
})
await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok))
const hookURL = `http://localhost:${receiver.address().port}/hook`
const hookSecret = 'ui-e2e-hook-secret-0123456789'

// adminToken signs the administrator in through the API (for checks the UI cannot make).
async function adminToken() {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: admin, password: adminPassword }) })
  if (!r.ok) throw new Error(`admin login: ${r.status}`)
  return (await r.json()).access_token
}

async function until(what, fn, ms = 20000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((ok) => setTimeout(ok, 200))) {
    const v = await fn()
    if (v) return v
  }
  throw new Error(`timed out waiting for ${what}`)
}

const goTo = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByText(name, { exact: true }).click()

const { ctx, page } = await browser()
try {
  log('/ redirects a browser to the sign-in page')
  await page.goto(base + '/')
  await page.getByRole('heading', { name: 'Sign in to Keeper' }).waitFor()
  if (!page.url().startsWith(base + '/ui/login')) throw new Error(`/ led to ${page.url()}`)
  await shot(page, '01-sign-in')

  log('sign in as the administrator')
  await signIn(page, admin, adminPassword)
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
  await shot(page, '02-dashboard')

  log('create a local, a remote and a virtual repository')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Repositories').click()
  await page.getByRole('heading', { name: 'Repositories' }).waitFor()
  await createRepo(page, 'local', 'ui-local', async (d) => { await d.getByLabel('Public (anonymous read)').click() })
  await createRepo(page, 'remote', 'ui-remote', async (d) => {
    await d.getByLabel('Upstream URL').fill('http://127.0.0.1:9/')
    await d.getByLabel('Upstream username').fill('mirror-user')
    await d.getByLabel('Upstream password').fill('mirror-secret-pw')
    // The egress guard refuses loopback by default, and the answer says so.
    await d.getByRole('button', { name: 'Test upstream' }).click()
    const result = d.getByRole('status')
    await result.getByText('refused by the egress policy', { exact: false }).waitFor()
    if ((await result.innerText()).includes('mirror-secret-pw')) throw new Error('upstream test echoed the password')
    await shot(page, '03a-upstream-test')
  })
  await createRepo(page, 'virtual', 'ui-all', async (d) => {
    await pick(page, 'Add member', 'ui-local')
    await pick(page, 'Add member', 'ui-remote')
    // Drag ui-remote above ui-local, then put it back with the keyboard alternative.
    await page.dragAndDrop('[data-testid="member-ui-remote"]', '[data-testid="member-ui-local"]')
    await d.getByText('1. ui-remote').waitFor()
    await d.getByRole('button', { name: 'Move ui-remote down' }).click()
    await d.getByText('1. ui-local').waitFor()
    await pick(page, 'Deploy to (local member receiving publishes)', 'ui-local')
  })
  await page.getByLabel('Filter by type').click()
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'virtual' }).click()
  await page.getByRole('link', { name: 'ui-local', exact: true }).waitFor({ state: 'detached' })
  await page.getByRole('link', { name: 'ui-all', exact: true }).waitFor()
  await shot(page, '03-repositories')

  log('create an API token (shown once) and use it with curl')
  await page.getByRole('button', { name: admin, exact: true }).click()
  await page.getByRole('heading', { name: 'Profile' }).waitFor()
  await page.getByRole('button', { name: 'Create token' }).click()
  const tokenDialog = page.getByRole('dialog')
  await tokenDialog.getByLabel('Token name').fill('ui-e2e')
  await pick(page, 'Scopes', 'write:artifacts')
  await pick(page, 'Scopes', 'account')
  await tokenDialog.getByText('Create an API token').click() // closes the multi-select's dropdown
  await tokenDialog.getByRole('button', { name: 'Create', exact: true }).click()
  const token = (await page.getByLabel('New token').innerText()).trim()
  if (!token) throw new Error('no token shown')
  await shot(page, '04-profile-token')
  const me = JSON.parse(execFileSync('curl', ['-fsS', '-H', `Authorization: Bearer ${token}`, base + '/api/v1/users/me'], { encoding: 'utf8' }))
  if (me.username !== admin) throw new Error(`curl with the new token: ${JSON.stringify(me)}`)

  log('publish a package with npm using that token')
  const pkgDir = mkdtempSync(join(tmpdir(), 'keeper-ui-npm-'))
  removeAtEnd(pkgDir)
  const registry = `${base}/npm/ui-local/`
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'ui-e2e-pkg', version: '1.0.0', description: 'published by the UI e2e test' }))
  writeFileSync(join(pkgDir, 'index.js'), 'module.exports = 42\n')
  writeFileSync(join(pkgDir, '.npmrc'), `registry=${registry}\n${registry.replace(/^https?:/, '')}:_authToken=${token}\n`)
  execFileSync('npm', ['publish', '--registry', registry, '--userconfig', join(pkgDir, '.npmrc'), '--cache', join(pkgDir, 'cache')], {
    cwd: pkgDir, stdio: 'pipe', env: { ...process.env, HOME: pkgDir, npm_config_update_notifier: 'false' },
  })
  const listed = await api('/repositories/ui-local/artifacts', token)
  const file = listed.items.find((a) => a.path.endsWith('.tgz'))
  if (!file) throw new Error(`npm publish stored no tarball: ${JSON.stringify(listed)}`)

  log(`see ${file.path} in the tree, its checksums and set-up snippets`)
  await page.goto(base + '/ui/repositories/ui-local')
  const tree = page.getByRole('tree', { name: 'Artifacts' })
  const parts = file.path.split('/')
  for (const dir of parts.slice(0, -1)) {
    await tree.locator('.ant-tree-treenode').filter({ has: page.getByTitle(dir + '/', { exact: true }) }).last().locator('.ant-tree-switcher').click()
  }
  await tree.getByTitle(parts.at(-1), { exact: true }).click()
  await expectText(page, file.checksum_sha256)
  // No scanner is installed here: the artifact says so instead of a grade.
  await page.getByTestId('artifact-grade').getByText('not scanned', { exact: true }).waitFor({ timeout: 60000 })
  await page.getByText('no scanner is installed for this kind of artifact').waitFor()
  await page.getByTestId('repo-grade').getByText('not scanned', { exact: true }).waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()])
  if (download.suggestedFilename() !== parts.at(-1)) throw new Error(`downloaded ${download.suggestedFilename()}`)
  await shot(page, '05-browse-artifact')
  log('search finds the published package (the index may lag a little)')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Search').click()
  const results = page.getByRole('list', { name: 'Search results' }).or(page.locator('.ant-list')).getByText('ui-e2e-pkg')
  for (let i = 0; ; i++) {
    await page.getByLabel('Search packages').fill(i % 2 ? 'ui-e2e-pkg' : 'ui-e2e')
    if (await results.first().waitFor({ timeout: 3000 }).then(() => true, () => false)) break
    if (i === 20) throw new Error('search never found ui-e2e-pkg')
  }
  await shot(page, '05b-search')
  await page.goto(base + '/ui/repositories/ui-local')
  await page.getByRole('tab', { name: 'Set me up' }).click()
  await expectText(page, registry)
  await shot(page, '06-set-me-up')

  log('install a plugin by drag and drop (file input), hot-reload it')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Plugins').click()
  await page.getByRole('heading', { name: 'Plugins' }).waitFor()
  await page.locator('input[type=file]').setInputFiles(wasm)
  const reloadButton = page.getByRole('button', { name: /^Reload vagrant-example/ })
  await reloadButton.waitFor({ timeout: 180000 }) // the install compiles the module
  await reloadButton.click()
  await page.getByRole('status').filter({ hasText: /Reloaded .* in \d+ ms/ }).waitFor({ timeout: 180000 })
  await page.getByRole('button', { name: /^Disable vagrant-example/ }).click()
  await page.getByRole('button', { name: /^Enable vagrant-example/ }).click()
  await page.getByRole('button', { name: /^Disable vagrant-example/ }).waitFor()
  await shot(page, '07-plugins')

  log('create a user who must change the password')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Users').click()
  await page.getByRole('button', { name: 'Create user or service account' }).click()
  const userDialog = page.getByRole('dialog')
  await userDialog.getByLabel('Username').fill('bob')
  await userDialog.getByLabel('Initial password (changed at first sign-in)').fill('bob-initial-pw')
  await userDialog.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByRole('cell', { name: 'bob', exact: true }).waitFor()
  await shot(page, '08-users')

  log('a group')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Groups').click()
  await page.getByRole('button', { name: 'Create group' }).click()
  const groupDialog = page.getByRole('dialog', { name: 'Create a group' })
  await groupDialog.getByLabel('Group name').fill('readers')
  await groupDialog.getByRole('button', { name: 'Create', exact: true }).click()
  await groupDialog.waitFor({ state: 'hidden' })
  await page.getByRole('cell', { name: 'readers', exact: true }).waitFor()
  await shot(page, '09-groups')

  log('policy: the checker denies, an edited rule allows')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Policies').click()
  await page.getByRole('textbox', { name: /User$/ }).fill('bob')
  await page.getByRole('textbox', { name: /Repository$/ }).fill('ui-remote')
  await page.getByRole('button', { name: 'Check' }).click()
  await page.getByRole('status', { name: 'Decision' }).filter({ hasText: 'DENY' }).waitFor()
  const rules = page.getByLabel('Policy rules')
  await rules.fill((await rules.inputValue()) + '\np, user:bob, ui-*, read, allow, extra')
  await page.getByRole('alert').filter({ hasText: 'syntax error' }).waitFor()
  await shot(page, '10-policy-syntax-error')
  await rules.fill((await rules.inputValue()).replace(', extra', ''))
  await page.getByRole('button', { name: 'Review and save' }).click()
  await page.getByLabel('Policy diff').getByText('+ p, user:bob, ui-*, read, allow').waitFor()
  await page.getByRole('dialog').getByRole('button', { name: 'Save', exact: true }).click()
  await page.getByRole('dialog').waitFor({ state: 'hidden' })
  await page.getByRole('button', { name: 'Check' }).click()
  await page.getByRole('status', { name: 'Decision' }).filter({ hasText: 'ALLOW' }).waitFor()
  await expectText(page, 'user:bob')
  await shot(page, '11-policies')

  log('audit log filtered by action')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Audit log').click()
  await page.getByLabel('Action').fill('policy.replace')
  await page.getByLabel('Action').press('Enter')
  await page.getByRole('cell', { name: 'policy.replace' }).first().waitFor()
  await shot(page, '12-audit')

  log('webhooks: create one with a secret that is never shown back, ping it, see the delivery')
  await goTo(page, 'Webhooks')
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor()
  await page.getByRole('button', { name: 'Create webhook' }).click()
  const hookDialog = page.getByRole('dialog')
  await hookDialog.getByLabel('Name', { exact: true }).fill('ui-hook')
  await hookDialog.getByLabel('URL', { exact: true }).fill(hookURL)
  await hookDialog.getByLabel('Secret', { exact: true }).fill(hookSecret)
  await hookDialog.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByRole('cell', { name: 'ui-hook', exact: true }).waitFor()
  await hookDialog.waitFor({ state: 'hidden' })
  if ((await page.content()).includes(hookSecret)) throw new Error('the webhooks page shows the secret')
  const hooks = await api('/webhooks', await adminToken())
  if (JSON.stringify(hooks).includes(hookSecret) || !hooks.items.find((h) => h.name === 'ui-hook')?.has_secret) {
    throw new Error(`the webhook API echoes the secret or lost it: ${JSON.stringify(hooks)}`)
  }
  await page.getByRole('button', { name: 'Create webhook' }).click()
  if ((await hookDialog.getByLabel('Secret', { exact: true }).inputValue()) !== '') throw new Error('the create form kept the secret')
  await page.keyboard.press('Escape')
  await hookDialog.waitFor({ state: 'hidden' })
  await page.getByRole('button', { name: 'Ping ui-hook' }).click()
  const ping = await until('the ping delivery', () => received.find((r) => r.body.includes('"ping"')))
  const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(ping.headers['x-keeper-signature'] ?? '')
  if (!sig) throw new Error(`ping without a signature: ${JSON.stringify(ping.headers)}`)
  const want = createHmac('sha256', hookSecret).update(`${sig[1]}.${ping.body}`).digest()
  if (!timingSafeEqual(want, Buffer.from(sig[2], 'hex'))) throw new Error('the ping is not signed with the secret')
  await page.getByRole('button', { name: 'Deliveries of ui-hook' }).click()
  const deliveries = page.getByRole('dialog', { name: 'Deliveries of ui-hook' })
  await deliveries.getByRole('row').filter({ hasText: 'ping' }).filter({ hasText: 'succeeded' }).filter({ hasText: '200' }).waitFor()
  await shot(page, '12b-webhook-deliveries')
  await deliveries.getByRole('button', { name: 'Close' }).click()
  await deliveries.waitFor({ state: 'hidden' })

  log('the dashboard counts the repositories by type and format, and the download')
  await goTo(page, 'Dashboard')
  await expectText(page, '1 / 1 / 1')
  await page.getByTestId('format-npm').getByText('npm: 3').waitFor()
  await page.getByText('Storage used').waitFor()
  // The download above (counted about a second later) is a bar of the
  // chart (its day's title counts it) and in the most-downloaded list.
  await page.getByRole('img', { name: 'Downloads per day' }).locator('rect[data-testid^="day-"]').filter({ hasText: /: 1$/ }).first().waitFor()
  await page.getByTestId(`top-ui-local/${file.path}`).filter({ hasText: /^1$/ }).waitFor()
  await page.getByTestId('grade-ui-local').getByText('not scanned', { exact: true }).waitFor()
  await page.getByTestId('grade-ui-local').getByText(/^\d+ artifacts? not scanned \(no scanner could read them\)$/).waitFor()
  if ((await page.getByTestId('grade-ui-local').innerText()).includes('grade')) throw new Error('an unscanned repository shows a grade')
  await shot(page, '12c-dashboard-downloads')

  log(`the history of ${file.path}: stored, downloaded once, not scanned; then deleted`)
  const openInTree = async () => {
    await page.goto(base + '/ui/repositories/ui-local')
    for (const dir of parts.slice(0, -1)) {
      await tree.locator('.ant-tree-treenode').filter({ has: page.getByTitle(dir + '/', { exact: true }) }).last().locator('.ant-tree-switcher').click()
    }
    await tree.getByTitle(parts.at(-1), { exact: true }).click()
  }
  await openInTree()
  await page.getByRole('link', { name: 'History', exact: true }).click()
  await page.getByRole('heading', { name: `History of ${file.path}` }).waitFor()
  const historyURL = page.url()
  await page.getByTestId('history-stored').getByText(/^yes, since /).waitFor()
  await page.getByTestId('history-downloads').getByText('1', { exact: true }).waitFor()
  await page.getByTestId('history-scan').getByText('not scanned', { exact: true }).waitFor()
  await shot(page, '12d-history')
  await openInTree()
  await page.getByRole('button', { name: 'Delete', exact: true }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
  await page.getByText(`Deleted ${file.path}`).waitFor()
  // A deep link (reloaded until the delete's audit event is in).
  const events = page.getByRole('region', { name: 'Events' })
  await until('the delete in the history', async () => {
    await page.goto(historyURL)
    return events.getByText('Deleted', { exact: true }).waitFor({ timeout: 3000 }).then(() => true, () => false)
  }, 30000)
  await events.getByText(`by ${admin}`, { exact: false }).first().waitFor()
  await page.getByTestId('history-stored').getByText('no (deleted or never stored)').waitFor()
  await page.getByTestId('history-downloads').getByText('1', { exact: true }).waitFor()
  await shot(page, '12e-history-deleted')

  log('SSO providers, health, dark theme')
  await page.getByRole('navigation', { name: 'Main' }).getByText('SSO providers').click()
  await page.getByRole('heading', { name: 'Single sign-on providers' }).waitFor()
  await page.getByRole('button', { name: 'Add provider' }).click()
  const ssoDialog = page.getByRole('dialog')
  await ssoDialog.getByLabel('Name', { exact: true }).fill('e2e')
  await ssoDialog.getByLabel('Enabled', { exact: true }).click()
  await ssoDialog.getByLabel(/^Settings/).fill(JSON.stringify({ issuer: 'http://127.0.0.1:9', client_id: 'keeper', client_secret: 'sso-secret-xyz' }))
  await ssoDialog.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('button', { name: 'Test connection of oidc/e2e' }).click()
  const ssoResult = page.getByRole('status')
  await ssoResult.getByText('connection failed', { exact: false }).waitFor()
  await ssoResult.getByText('egress policy', { exact: false }).waitFor()
  if ((await ssoResult.innerText()).includes('sso-secret-xyz')) throw new Error('SSO test echoed the client secret')
  await shot(page, '13-sso')
  await page.getByRole('navigation', { name: 'Main' }).getByText('Health').click()
  await expectText(page, 'ready')
  await page.getByLabel('Dark theme').click()
  await shot(page, '14-health-dark')

  log('revoke the token; curl is refused afterwards')
  await page.getByRole('button', { name: admin, exact: true }).click()
  await page.getByRole('button', { name: 'Revoke ui-e2e' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke', exact: true }).click()
  await page.getByRole('button', { name: 'Revoke ui-e2e' }).waitFor({ state: 'detached' })
  const status = execFileSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${token}`, base + '/api/v1/users/me'], { encoding: 'utf8' })
  if (status !== '401') throw new Error(`curl with the revoked token: ${status}`)

  log('keyboard: the sign-out button is reachable with Tab and Enter')
  await page.getByRole('button', { name: 'Sign out' }).focus()
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'Sign in to Keeper' }).waitFor()
} catch (e) {
  await shot(page, 'failure').catch(() => {})
  throw new Error(`step "${step()}": ${e.message}`)
} finally {
  await ctx.close()
  receiver.close()
}

log('bob signs in and must choose a new password first')
{
  const { ctx, page } = await browser()
  try {
    await page.goto(base + '/ui/')
    await signIn(page, 'bob', 'bob-initial-pw')
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await page.getByLabel('Current password').fill('bob-initial-pw')
    await page.getByLabel('New password', { exact: true }).fill('bob-own-password-1')
    await page.getByLabel('Repeat new password').fill('bob-own-password-1')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
    await shot(page, '15-bob-dashboard')
  } catch (e) {
    await shot(page, 'failure-bob').catch(() => {})
    throw e
  } finally {
    await ctx.close()
  }
}

{
  const { ctx, page } = await browser()
  try {
    await keyboardWalk({ page, base, admin, adminPassword, log, shot })
  } catch (e) {
    await shot(page, 'failure-keyboard').catch(() => {})
    throw new Error(`step "${step()}": ${e.message}`)
  } finally {
    await ctx.close()
  }
}

log('cold first load of the dashboard (fresh profile, session restored from the refresh token)')
{
  const session = await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: admin, password: adminPassword }) })).json()
  const { ctx, page } = await browser()
  try {
    await page.addInitScript((rt) => sessionStorage.setItem('keeper.refresh', rt), session.refresh_token)
    const start = Date.now()
    await page.goto(base + '/ui/')
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
    await page.locator('.ant-statistic-content-value').first().waitFor()
    const ms = Date.now() - start
    const bytes = await page.evaluate(() => {
      const res = performance.getEntriesByType('resource').filter((r) => /\.(js|css)$/.test(new URL(r.name).pathname))
      const nav = performance.getEntriesByType('navigation')[0]
      return res.reduce((n, r) => n + r.encodedBodySize, nav?.encodedBodySize ?? 0)
    })
    const dcl = await page.evaluate(() => Math.round(performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0))
    const load = (await import('node:os')).loadavg()[0].toFixed(1)
    console.log(`ui-e2e: FIGURE first load of the dashboard: ${ms} ms (DOMContentLoaded ${dcl} ms), ${(bytes / 1024).toFixed(1)} kB transferred (gzip); ` +
      `target 1500 ms ${ms <= 1500 ? 'met' : 'MISSED'} (machine load average ${load})`)
    // A timing is a figure, not a pass/fail (the machine may be shared);
    // KEEPER_UI_FIRST_LOAD_MAX_MS makes it a check on a quiet machine.
    const timeline = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/'))
      .map((r) => `${new URL(r.name).pathname} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)} ms`).join(', '))
    console.log(`ui-e2e: FIGURE API calls of the first load: ${timeline}`)
    const max = Number(process.env.KEEPER_UI_FIRST_LOAD_MAX_MS || 0)
    if (max && ms > max) problems.push(`first load took ${ms} ms (> ${max} ms)`)
    if (bytes > 400 * 1024) problems.push(`first page transferred ${bytes} bytes (> 400 kB)`)
  } finally {
    await ctx.close()
  }
}

finish()
