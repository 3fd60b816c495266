// Browser end-to-end test of the operations pages (web/src/pages/ops/)
// against a running keeper, driven by e2e/webui_ops_test.go through
// runUIScript. Each part creates through the UI, edits, sees the result and
// screenshots it. Environment (besides lib.mjs's):
//   KEEPER_OPS_BACKUP=1  the keeper has a backup target (backup.target)
//   KEEPER_OPS_PEER_URL, KEEPER_OPS_PEER_KEY  a second keeper and an admin API token of it
// Any console error, page error, failed request or 4xx/5xx answer fails the run.
import { createHash } from 'node:crypto'
import { base, admin, adminPassword, adminApi, problems, log, shot, signIn, pick, scenario, finish } from './lib.mjs'

// upload PUTs a file into a generic repository through the API.
async function upload(repo, path, data) {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: admin, password: adminPassword }) })
  const { access_token: token } = await r.json()
  const put = await fetch(`${base}/api/v1/repositories/${repo}/artifacts/${path}`, { method: 'PUT', body: data,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', 'X-Checksum-Sha256': createHash('sha256').update(data).digest('hex') } })
  if (put.status !== 201) throw new Error(`upload ${repo}/${path}: HTTP ${put.status}: ${await put.text()}`)
}

// expected drops the problems an intended refusal caused (the answer and
// the browser's console line about it), failing when there was none.
function expected(from, pattern) {
  const mine = problems.slice(from).filter((p) => pattern.test(p))
  if (!mine.length) throw new Error(`expected a refusal matching ${pattern}`)
  problems.splice(from, problems.length - from, ...problems.slice(from).filter((p) => !pattern.test(p) && !/status of 409/.test(p)))
}

// tags replaces the values of the antd tags select labelled Values.
async function tags(dialog, page, values) {
  const input = dialog.getByLabel('Values', { exact: true })
  await input.click()
  for (let i = 0; i < 8; i++) await page.keyboard.press('Backspace')
  for (const v of values) {
    await page.keyboard.type(v)
    await page.keyboard.press('Enter')
  }
}

// open signs in and goes to the page behind the menu entry name.
async function open(page, menu, heading) {
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('menuitem', { name: menu }).click()
  await page.getByRole('heading', { name: heading, exact: true }).waitFor()
}

if (process.env.KEEPER_OPS_BACKUP) {
  await scenario('backups', async ({ page }) => {
    log('backups: the empty list')
    await open(page, 'Backups', 'Backups')
    await page.getByText('No backups yet: start one').waitFor()
    log('backups: start one and see its row complete')
    await page.getByRole('button', { name: 'Start backup' }).click()
    const status = page.locator('[data-testid^="backup-status-"]', { hasText: 'complete' })
    await status.first().waitFor({ timeout: 60000 })
    const id = (await status.first().getAttribute('data-testid')).replace('backup-status-', '')
    const row = page.locator('tr', { has: page.locator(`[data-testid="backup-status-${id}"]`) })
    // A backup of a fresh instance still holds every table and the plugins' blobs.
    const cells = await row.locator('td').allInnerTexts()
    if (!cells.some((c) => /\d+(\.\d)? (B|KiB|MiB|GiB)/.test(c))) throw new Error(`the row shows no size: ${cells.join(' | ')}`)
    log('backups: the restore command')
    await row.getByRole('button', { name: /expand/i }).click()
    const cmd = page.getByLabel(`Restore command of ${id}`)
    await cmd.waitFor()
    const text = await cmd.innerText()
    if (!text.includes(`--id ${id}`)) throw new Error(`restore command without the id: ${text}`)
    await shot(page, 'ops-backups')
  })
}

await scenario('properties-promotion', async ({ page }) => {
  log('properties: a staging and a release repository, an artifact')
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-stage', format: 'generic', repo_type: 'staging' })
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-release', format: 'generic', repo_type: 'local' })
  await upload('ops-stage', 'app-1.0.bin', 'the release candidate')
  await open(page, 'Repositories', 'Repositories')
  await page.getByRole('link', { name: 'ops-stage', exact: true }).click()
  await page.getByRole('tree', { name: 'Artifacts' }).getByTitle('app-1.0.bin', { exact: true }).click()
  const card = page.locator('.ant-card', { has: page.getByText('Properties', { exact: true }) }).last()
  await card.getByText('No properties on this artifact').waitFor()

  log('properties: add two')
  for (const [key, values] of [['qa.status', ['pending']], ['os', ['linux', 'darwin']]]) {
    await card.getByRole('button', { name: 'Add property' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Key').fill(key)
    await tags(dialog, page, values)
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    for (const v of values) await card.getByLabel(`Find artifacts with ${key}=${v}`).waitFor()
  }
  log('properties: edit one (multi-valued)')
  await card.getByRole('button', { name: 'Edit property qa.status' }).click()
  let dialog = page.getByRole('dialog')
  await tags(dialog, page, ['passed', 'nightly'])
  await dialog.getByRole('button', { name: 'Save' }).click()
  await dialog.waitFor({ state: 'detached' })
  await card.getByLabel('Find artifacts with qa.status=nightly').waitFor()
  if (await card.getByLabel('Find artifacts with qa.status=pending').count()) throw new Error('the old value stayed')
  log('properties: delete one')
  await card.getByRole('button', { name: 'Delete property os' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
  await card.getByLabel('Find artifacts with os=linux').waitFor({ state: 'detached' })
  const stored = await adminApi('GET', '/api/v1/repositories/ops-stage/properties/app-1.0.bin')
  if (JSON.stringify(stored.properties) !== JSON.stringify({ 'qa.status': ['nightly', 'passed'] }) &&
    JSON.stringify(stored.properties) !== JSON.stringify({ 'qa.status': ['passed', 'nightly'] })) throw new Error(`stored: ${JSON.stringify(stored)}`)
  await shot(page, 'ops-properties')

  log('properties: search by property from the artifact')
  await card.getByLabel('Find artifacts with qa.status=passed').click()
  await page.getByRole('heading', { name: 'Search by property' }).waitFor()
  await page.getByRole('table', { name: 'Artifacts found' }).getByText('app-1.0.bin').waitFor()
  await shot(page, 'ops-property-search')
  await page.goBack()

  log('promotion: refused by a property condition')
  await page.getByRole('tree', { name: 'Artifacts' }).getByTitle('app-1.0.bin', { exact: true }).click()
  await page.getByRole('button', { name: 'Promote', exact: true }).click()
  dialog = page.getByRole('dialog')
  await pick(page, 'Target repository', 'ops-release')
  await dialog.getByLabel('Require properties').fill('qa.status:failed')
  const before = problems.length
  await dialog.getByRole('button', { name: 'Promote', exact: true }).click()
  await dialog.getByText('Refused').waitFor()
  await shot(page, 'ops-promote-refused')
  expected(before, /HTTP 409: POST .*\/api\/v1\/promote/)
  log('promotion: dry run, then copy')
  await dialog.getByLabel('Require properties').fill('qa.status:passed')
  await dialog.getByRole('button', { name: 'Dry run' }).click()
  await dialog.getByText('Would copy 1 file(s) to ops-release').waitFor()
  await page.locator('.ant-modal-footer button.ant-btn-primary:visible').click()
  await dialog.getByText('Copied 1 file(s) to ops-release').waitFor()
  await shot(page, 'ops-promoted')
  const copied = await adminApi('GET', '/api/v1/repositories/ops-release/properties/app-1.0.bin')
  if (!copied.properties['qa.status']?.includes('passed')) throw new Error(`the properties did not come along: ${JSON.stringify(copied)}`)
})

await scenario('lifecycle-quota', async ({ page }) => {
  log('lifecycle: a repository with a file')
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-clean', format: 'generic', repo_type: 'local' })
  await upload('ops-clean', 'old-1.0.bin', 'an old build')
  await open(page, 'Lifecycle', 'Lifecycle policies')
  await page.getByText('No cleanup policies').waitFor()
  log('lifecycle: create a policy')
  await page.getByRole('button', { name: 'Create policy' }).click()
  let dialog = page.getByRole('dialog')
  await dialog.getByLabel('Name').fill('ops-sweep')
  await pick(page, 'Repository', 'ops-clean')
  await dialog.getByLabel('Keep the newest versions').fill('1')
  await dialog.getByLabel('Include').fill('old-*')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await dialog.waitFor({ state: 'detached' })
  const table = page.getByRole('table', { name: 'Lifecycle policies' })
  await table.getByText('keep the newest 1, delete the rest, only old-*').waitFor()
  log('lifecycle: preview')
  await page.getByRole('button', { name: 'Preview ops-sweep' }).click()
  await page.getByText(/Would delete \d+ version\(s\)/).waitFor()
  await page.getByRole('table', { name: 'Versions to delete' }).waitFor()
  await shot(page, 'ops-lifecycle-preview')
  await page.keyboard.press('Escape')
  await page.getByText(/Would delete \d+ version\(s\)/).waitFor({ state: 'hidden' })
  log('lifecycle: edit it to exclude the file, preview again')
  await page.getByRole('button', { name: 'Edit ops-sweep' }).click()
  dialog = page.getByRole('dialog')
  await dialog.getByLabel('Exclude').fill('old-1.0.bin')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await dialog.waitFor({ state: 'detached' })
  await table.getByText('except old-1.0.bin').waitFor()
  await page.getByRole('button', { name: 'Preview ops-sweep' }).click()
  await page.getByText('Would delete 0 version(s)').waitFor()
  await shot(page, 'ops-lifecycle')
  await page.keyboard.press('Escape')
  await page.getByText('Would delete 0 version(s)').waitFor({ state: 'hidden' })
  log('lifecycle: delete it')
  await page.getByRole('button', { name: 'Delete ops-sweep' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
  await page.getByText('No cleanup policies').waitFor()

  log('quota: set one on the repository page and see usage against it')
  await page.getByRole('navigation', { name: 'Main' }).getByRole('menuitem', { name: 'Repositories' }).click()
  await page.getByRole('link', { name: 'ops-clean', exact: true }).click()
  await page.getByRole('tab', { name: 'Settings' }).click()
  await page.getByTestId('quota-usage').getByText('no limit', { exact: false }).waitFor()
  await page.getByRole('button', { name: 'Edit quota' }).click()
  await page.getByLabel('Hard limit (MiB)').fill('2')
  await page.getByLabel('Warning at (MiB)').fill('1')
  await page.getByRole('button', { name: 'Save quota' }).click()
  await page.getByTestId('quota-usage').getByText('12 B used of 2.0 MiB (warning at 1.0 MiB)').waitFor()
  const q = await adminApi('GET', '/api/v1/repositories/ops-clean/quota')
  if (q.max_bytes !== 2 * 1024 * 1024 || q.warn_bytes !== 1024 * 1024) throw new Error(`stored quota: ${JSON.stringify(q)}`)
  await shot(page, 'ops-quota')
})

if (process.env.KEEPER_OPS_PEER_URL) {
  await scenario('replication', async ({ page }) => {
    log('replication: add the second keeper as a peer')
    await open(page, 'Replication', 'Replication')
    await page.getByText('No peers').waitFor()
    await page.getByRole('button', { name: 'Add peer' }).click()
    let dialog = page.getByRole('dialog')
    await dialog.getByLabel('Name').fill('ops-peer')
    await dialog.getByLabel('URL').fill(process.env.KEEPER_OPS_PEER_URL)
    await dialog.getByLabel('API key').fill(process.env.KEEPER_OPS_PEER_KEY)
    await dialog.getByRole('button', { name: 'Add', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('peer-status-ops-peer').getByText('online').waitFor()
    const peers = await adminApi('GET', '/api/v1/peers')
    if (JSON.stringify(peers).includes(process.env.KEEPER_OPS_PEER_KEY)) throw new Error('the API key came back')
    await shot(page, 'ops-peers')

    log('replication: status and queue')
    await page.getByRole('tab', { name: 'Status' }).click()
    await page.getByRole('table', { name: 'Replication queue' }).waitFor()
    await shot(page, 'ops-replication-status')
  })
}

finish()
