// Browser end-to-end test of the imports page (web/src/pages/imports/)
// against a running keeper, driven by e2e/webui_admin_test.go through
// runUIScriptSetup, with a test server answering Artifactory's REST API:
//   KEEPER_IMPORT_SRC        its base URL (…/artifactory)
//   KEEPER_IMPORT_SRC_TOKEN  its access token
// It holds generic-local (two files and broken.bin, served corrupt),
// slow-local (whose download hangs) and npm-remote; the keeper holds the
// generic repository "generic". An import of generic-local is followed live
// to its report; an import of slow-local is stopped from the page. Every
// step waits for what the API confirms. Any console error, page error,
// failed request or 4xx/5xx answer of the page fails the run.
import { adminApi, base, finish, log, openPage, problems, scenario, shot, until } from './lib.mjs'

const src = process.env.KEEPER_IMPORT_SRC
const srcToken = process.env.KEEPER_IMPORT_SRC_TOKEN
if (!src || !srcToken) throw new Error('KEEPER_IMPORT_SRC and KEEPER_IMPORT_SRC_TOKEN are required')

// Chromium reports a streamed fetch of a no-store response that arrived in
// several writes as aborted even though the page read it to its end
// (https://github.com/microsoft/playwright/issues/42742). The events stream
// of an import the page showed finished (its "done" event arrived) is
// dropped from the problems at the end; nothing else is.
const followedToEnd = []
function dropStreamReports() {
  const mine = new Set(followedToEnd.map((id) => `request failed: GET ${base}/api/v1/admin/imports/${id}/events net::ERR_ABORTED`))
  const keep = problems.filter((p) => !mine.has(p.replace(/ \(step "[^"]*"\)$/, '')))
  problems.splice(0, problems.length, ...keep)
}

const jobs = async () => (await adminApi('GET', '/api/v1/admin/imports')).jobs

async function start(page, { repositories, map }) {
  const form = page.getByRole('form', { name: 'Start an import' })
  await form.getByLabel('Artifactory URL').fill(src)
  await form.getByLabel('Access token').fill(srcToken)
  await form.getByLabel('Repositories').fill(repositories)
  await form.getByLabel('Key mapping').fill(map)
  const before = (await jobs()).length
  await form.getByRole('button', { name: 'Start import' }).click()
  const list = await until('the import in the API', async () => {
    const l = await jobs()
    return l.length > before ? l : null
  })
  return list[0] // newest first
}

await scenario('imports', async ({ page }) => {
  log('imports: open the page')
  await openPage(page, 'Imports', 'Imports')
  await page.getByText('No imports yet').waitFor()

  log('imports: import generic-local into generic and follow it')
  const job = await start(page, { repositories: 'generic-local, npm-remote', map: 'generic-local=generic' })
  const done = await until('the import to finish', async () => {
    const j = await adminApi('GET', `/api/v1/admin/imports/${job.id}`)
    return j.state !== 'running' ? j : null
  }, 120000)
  if (done.state !== 'done' || done.imported !== 2 || done.failed !== 1 || done.skipped !== 1) {
    throw new Error(`the import's report: ${JSON.stringify(done)}`)
  }
  const card = page.locator('.ant-card', { hasText: `Import ${job.id}` })
  await card.getByTestId('import-state').filter({ hasText: 'done' }).waitFor()
  followedToEnd.push(job.id)
  const totals = await card.getByLabel('Import totals').innerText()
  for (const want of [/Imported\s*2/, /Skipped\s*1/, /Failed\s*1/]) {
    if (!want.test(totals)) throw new Error(`totals ${JSON.stringify(totals)} lack ${want}`)
  }
  const items = card.getByRole('table', { name: 'Import items' })
  await items.locator('tr', { hasText: 'tools/cli-1.0.bin' }).filter({ hasText: 'imported' }).waitFor()
  await shot(page, 'imports-report')

  log('imports: the failed file with its reason')
  await card.locator('.ant-segmented-item', { hasText: 'Failed' }).click()
  const failed = items.locator('tr', { hasText: 'broken.bin' })
  await failed.waitFor()
  const reason = await failed.innerText()
  if (!/sha256|checksum/i.test(reason)) throw new Error(`failed row without its reason: ${reason}`)
  if ((await items.locator('tbody tr').count()) !== 1) throw new Error('the Failed filter shows other items')
  await page.getByRole('table', { name: 'Recent imports' }).locator(`tr[data-row-key="${job.id}"]`, { hasText: 'done' }).waitFor()

  log('imports: an import whose download hangs, stopped')
  const slow = await start(page, { repositories: 'slow-local', map: 'slow-local=generic' })
  const slowCard = page.locator('.ant-card', { hasText: `Import ${slow.id}` })
  await slowCard.getByTestId('import-state').filter({ hasText: 'running' }).waitFor()
  await slowCard.getByRole('button', { name: 'Stop' }).click()
  await page.locator('.ant-popconfirm:visible').getByRole('button', { name: 'Stop' }).click()
  const stopped = await until('the import to stop', async () => {
    const j = await adminApi('GET', `/api/v1/admin/imports/${slow.id}`)
    return j.state !== 'running' ? j : null
  }, 120000)
  if (stopped.imported !== 0) throw new Error(`the stopped import: ${JSON.stringify(stopped)}`)
  await slowCard.getByTestId('import-state').filter({ hasText: stopped.state }).waitFor()
  followedToEnd.push(slow.id)
  await shot(page, 'imports-stopped')
})

dropStreamReports()
finish()
