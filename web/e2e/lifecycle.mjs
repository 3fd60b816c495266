// Browser walk of lifecycle policies and quotas (web/src/pages/ops/
// Lifecycle.tsx, QuotaCard.tsx) against its own keeper, driven by
// e2e/webui_ops_test.go (TestWebUILifecycle): a cleanup policy created,
// previewed, edited to exclude the file and previewed again, deleted; a quota
// set on the repository page. Every step waits for the state the API
// confirms, then for the page to show it. Any console error, page error,
// failed request or 4xx/5xx answer fails the run.
import { adminApi, finish, log, openPage, pickByKeyboard, scenario, selected, shot, until, upload } from './lib.mjs'

const policies = async () => (await adminApi('GET', '/api/v1/lifecycle/policies')).items ?? []

await scenario('lifecycle', async ({ page }) => {
  log('lifecycle: a repository with a file')
  await adminApi('POST', '/api/v1/repositories', { key: 'ops-clean', format: 'generic', repo_type: 'local' })
  await upload('ops-clean', 'old-1.0.bin', 'an old build')
  await openPage(page, 'Lifecycle', 'Lifecycle policies')
  await page.getByText('No cleanup policies').waitFor()

  log('lifecycle: create a policy')
  await page.getByRole('button', { name: 'Create policy' }).click()
  let dialog = page.getByRole('dialog', { name: 'Create a cleanup policy' })
  await dialog.getByLabel('Name').fill('ops-sweep')
  await pickByKeyboard(page, 'Repository', 'ops-clean')
  await selected(page, dialog, 'Repository', 'ops-clean')
  await dialog.getByLabel('Keep the newest versions').fill('1')
  await dialog.getByLabel('Include').fill('old-*')
  await dialog.getByRole('button', { name: 'Save' }).click()
  const created = await until('the policy stored', async () => (await policies()).find((p) => p.name === 'ops-sweep'))
  if (created.repository !== 'ops-clean' || created.keep_last !== 1 || created.include !== 'old-*') throw new Error(`stored: ${JSON.stringify(created)}`)
  await dialog.waitFor({ state: 'hidden' })
  const table = page.getByRole('table', { name: 'Lifecycle policies' })
  await table.getByText('keep the newest 1, delete the rest, only old-*').waitFor()

  log('lifecycle: preview')
  await page.getByRole('button', { name: 'Preview ops-sweep' }).click()
  const drawer = page.getByRole('dialog', { name: 'Preview of ops-sweep' })
  await drawer.getByText(/Would delete \d+ version\(s\)/).waitFor()
  await drawer.getByRole('table', { name: 'Versions to delete' }).waitFor()
  await shot(page, 'ops-lifecycle-preview')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  log('lifecycle: edit it to exclude the file, preview again')
  await page.getByRole('button', { name: 'Edit ops-sweep' }).click()
  dialog = page.getByRole('dialog', { name: 'Edit ops-sweep' })
  await dialog.getByLabel('Exclude').fill('old-1.0.bin')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await until('the policy edited', async () => (await policies()).some((p) => p.name === 'ops-sweep' && p.exclude === 'old-1.0.bin'))
  await dialog.waitFor({ state: 'hidden' })
  await table.getByText('except old-1.0.bin').waitFor()
  await page.getByRole('button', { name: 'Preview ops-sweep' }).click()
  await drawer.getByText('Would delete 0 version(s)').waitFor()
  await shot(page, 'ops-lifecycle')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  log('lifecycle: delete it')
  await page.getByRole('button', { name: 'Delete ops-sweep' }).click()
  await page.getByRole('dialog', { name: 'Delete policy ops-sweep?' }).getByRole('button', { name: 'Delete', exact: true }).click()
  await until('the policy deleted', async () => (await policies()).length === 0)
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
  const q = await until('the quota stored', async () => {
    const q = await adminApi('GET', '/api/v1/repositories/ops-clean/quota')
    return q.max_bytes ? q : null
  })
  if (q.max_bytes !== 2 * 1024 * 1024 || q.warn_bytes !== 1024 * 1024) throw new Error(`stored quota: ${JSON.stringify(q)}`)
  await page.getByTestId('quota-usage').getByText('12 B used of 2.0 MiB (warning at 1.0 MiB)').waitFor()
  await shot(page, 'ops-quota')
})

finish()
