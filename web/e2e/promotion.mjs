// Browser walk of promotion (web/src/pages/ops/PromoteButton.tsx) against
// its own keeper, driven by e2e/webui_ops_test.go (TestWebUIPromotion): an
// artifact of a staging repository carrying qa.status=passed is refused by a
// property condition it does not meet, dry-run, then copied to a release
// repository with its properties. Every step waits for the state the API
// confirms. Any console error, page error, failed request or 4xx/5xx answer
// fails the run, except the one refusal the walk asks for.
import { adminApi, expectRefusal, finish, log, openPage, pickByKeyboard, problems, scenario, selected, shot, until, upload } from './lib.mjs'

const file = 'app-1.0.bin'
const released = async () => {
  const l = await adminApi('GET', '/api/v1/repositories/ops-release/artifacts?limit=10')
  return (l.items ?? []).some((a) => a.path === file)
}

await scenario('promotion', async ({ page }) => {
  log('promotion: a staging and a release repository, an artifact with a property')
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-stage', format: 'generic', repo_type: 'staging' })
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-release', format: 'generic', repo_type: 'local' })
  await upload('ops-stage', file, 'the release candidate')
  await adminApi('PATCH', `/api/v1/repositories/ops-stage/properties/${file}`, { set: { 'qa.status': ['passed'] } })
  await openPage(page, 'Repositories', 'Repositories')
  await page.getByRole('link', { name: 'ops-stage', exact: true }).click()
  await page.getByRole('tree', { name: 'Artifacts' }).getByTitle(file, { exact: true }).click()
  await page.getByLabel('Find artifacts with qa.status=passed').waitFor()

  log('promotion: refused by a property condition')
  await page.getByRole('button', { name: 'Promote', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: `Promote ${file}` })
  await pickByKeyboard(page, 'Target repository', 'ops-release')
  await selected(page, dialog, 'Target repository', 'ops-release')
  await dialog.getByLabel('Require properties').fill('qa.status:failed')
  const before = problems.length
  const promote = dialog.locator('.ant-modal-footer button.ant-btn-primary')
  await promote.click()
  await dialog.getByText('Refused').waitFor()
  expectRefusal(before, /HTTP 409: POST .*\/api\/v1\/promote/, 409)
  if (await released()) throw new Error('a refused promotion copied the file')
  await shot(page, 'ops-promote-refused')

  log('promotion: dry run')
  await dialog.getByLabel('Require properties').fill('qa.status:passed')
  await dialog.getByRole('button', { name: 'Dry run' }).click()
  await dialog.getByText('Would copy 1 file(s) to ops-release').waitFor()
  if (await released()) throw new Error('a dry run copied the file')

  log('promotion: copy')
  await promote.click()
  await until('the file in ops-release', released)
  await dialog.getByText('Copied 1 file(s) to ops-release').waitFor()
  const copied = await adminApi('GET', `/api/v1/repositories/ops-release/properties/${file}`)
  if (!copied.properties?.['qa.status']?.includes('passed')) throw new Error(`the properties did not come along: ${JSON.stringify(copied)}`)
  await shot(page, 'ops-promoted')
})

finish()
