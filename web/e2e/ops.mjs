// Browser end-to-end test of the operations pages (web/src/pages/ops/)
// against a running keeper, driven by e2e/webui_ops_test.go through
// runUIScript. Each part creates through the UI, edits, sees the result and
// screenshots it. Environment (besides lib.mjs's):
//   KEEPER_OPS_BACKUP=1  the keeper has a backup target (backup.target)
// Any console error, page error, failed request or 4xx/5xx answer fails the run.
import { base, admin, adminPassword, log, shot, signIn, scenario, finish } from './lib.mjs'

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

finish()
