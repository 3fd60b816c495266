// Browser end-to-end test of the operations pages (web/src/pages/ops/)
// against a running keeper, driven by e2e/webui_ops_test.go through
// runUIScript: a backup started and its row complete, and a peer added.
// (Properties, promotion and lifecycle have their own walks, each against
// its own keeper: properties.mjs, promotion.mjs, lifecycle.mjs.) Environment (besides lib.mjs's):
//   KEEPER_OPS_BACKUP=1  the keeper has a backup target (backup.target)
//   KEEPER_OPS_PEER_URL, KEEPER_OPS_PEER_KEY  a second keeper and an admin API token of it
// Any console error, page error, failed request or 4xx/5xx answer fails the run.
import { base, admin, adminPassword, adminApi, log, shot, signIn, scenario, finish } from './lib.mjs'

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
    // The target may hold a backup of an earlier attempt (runUIScript runs a
    // failed walk once more): the list is empty only when the API says so.
    const earlier = await adminApi('GET', '/api/v1/admin/backups')
    await open(page, 'Backups', 'Backups')
    if (!JSON.stringify(earlier).includes('"id"')) {
      log('backups: the empty list')
      await page.getByText('No backups yet: start one').waitFor()
    }
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
