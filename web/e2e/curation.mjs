// Browser end-to-end test of the curation page (web/src/pages/curation/)
// against a running keeper, driven by e2e/webui_admin_test.go through
// runUIScriptSetup: the keeper holds an npm repository "js" with
// evil-ui-pkg@1.0.0 and a remote repository "jsproxy" in front of it. A block
// rule for jsproxy is created on the page and listed in force; a download of
// the package through jsproxy is refused and the refusal shows in the report.
// Every step waits for what the API confirms. Any console error, page error,
// failed request or 4xx/5xx answer of the page fails the run.
import { base, adminApi, finish, log, openPage, pickByKeyboard, scenario, shot, until } from './lib.mjs'

await scenario('curation', async ({ page }) => {
  log('curation: open the page')
  await openPage(page, 'Curation', 'Curation')
  const inForce = page.getByRole('table', { name: 'Rules in force' })
  await inForce.locator('tr[data-row-key="jsproxy"]').waitFor()

  log('curation: a block rule for jsproxy')
  await pickByKeyboard(page, 'Rules of', 'jsproxy')
  await page.getByText('Rules of jsproxy (they apply with the global ones)').waitFor()
  await page.getByLabel('Blocked packages').fill('evil-ui-*')
  await page.getByRole('button', { name: 'Save rules' }).click()
  await until('the rule in the API', async () => (await adminApi('GET', '/api/v1/curation/rules/jsproxy')).block?.includes('evil-ui-*'))
  await inForce.locator('tr[data-row-key="jsproxy"]', { hasText: 'blocks evil-ui-*' }).waitFor()
  await shot(page, 'curation-rules')

  log('curation: a download through jsproxy is refused')
  const r = await fetch(base + '/npm/jsproxy/evil-ui-pkg/-/evil-ui-pkg-1.0.0.tgz')
  const body = await r.text()
  if (r.status !== 403 || !body.includes('blocked by curation')) throw new Error(`download through the curated proxy: HTTP ${r.status}: ${body}`)
  await until('the block in the report', async () => (await adminApi('GET', '/api/v1/curation/blocks?repository=jsproxy')).items.length > 0)

  log('curation: the block in the report')
  await page.getByRole('tab', { name: 'Blocks' }).click()
  const blocks = page.getByRole('table', { name: 'Blocked downloads' })
  const row = blocks.locator('tr', { hasText: 'evil-ui-pkg@1.0.0' })
  await row.waitFor()
  const cells = await row.locator('td').allInnerTexts()
  if (!cells.includes('jsproxy') || !cells.includes('block')) throw new Error(`block row: ${cells.join(' | ')}`)
  await shot(page, 'curation-blocks')
})

finish()
