// Browser walk of artifact properties (web/src/pages/ops/PropertiesCard.tsx
// and PropertySearch.tsx) against its own keeper, driven by
// e2e/webui_ops_test.go (TestWebUIProperties): two properties added (one
// multi-valued), one edited, one deleted, then a search by property from the
// artifact. Every step waits for the state the API confirms, then for the
// page to show it. Any console error, page error, failed request or 4xx/5xx
// answer fails the run.
import { adminApi, finish, log, openPage, scenario, shot, until, upload } from './lib.mjs'

const repo = 'ops-props'
const file = 'app-1.0.bin'
const stored = async () => (await adminApi('GET', `/api/v1/repositories/${repo}/properties/${file}`)).properties ?? {}
const same = (a, b) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort())

// setValues makes the dialog's Values tags exactly values: removes the
// present ones, types the new ones, and waits until the field shows them.
async function setValues(page, dialog, values) {
  const field = dialog.locator('.ant-form-item', { has: page.getByLabel('Values', { exact: true }) })
  const remove = field.locator('.ant-select-selection-item-remove')
  for (let n = await remove.count(); n > 0; n = await remove.count()) {
    await remove.first().click()
    await until('a value removed', async () => (await remove.count()) < n, 5000)
  }
  await dialog.getByLabel('Values', { exact: true }).click()
  for (const v of values) {
    await page.keyboard.type(v)
    await page.keyboard.press('Enter')
    await field.locator('.ant-select-selection-item', { hasText: v }).waitFor()
  }
  const shown = await field.locator('.ant-select-selection-item-content').allInnerTexts()
  if (!same(shown, values)) throw new Error(`the field shows ${shown.join(', ')}, want ${values.join(', ')}`)
}

await scenario('properties', async ({ page }) => {
  log('properties: a repository with an artifact')
  await adminApi('POST', '/api/v1/repositories', { key: repo, format: 'generic', repo_type: 'local' })
  await upload(repo, file, 'the release candidate')
  await openPage(page, 'Repositories', 'Repositories')
  await page.getByRole('link', { name: repo, exact: true }).click()
  await page.getByRole('tree', { name: 'Artifacts' }).getByTitle(file, { exact: true }).click()
  const card = page.locator('.ant-card', { has: page.getByRole('table', { name: 'Properties of the artifact' }) })
  await card.getByText('No properties on this artifact').waitFor()

  for (const [key, values] of [['qa.status', ['pending']], ['os', ['linux', 'darwin']]]) {
    log(`properties: add ${key}`)
    await card.getByRole('button', { name: 'Add property' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a property' })
    await dialog.getByLabel('Key').fill(key)
    await setValues(page, dialog, values)
    await dialog.getByRole('button', { name: 'Save' }).click()
    await until(`${key} stored`, async () => same((await stored())[key], values))
    await dialog.waitFor({ state: 'detached' })
    for (const v of values) await card.getByLabel(`Find artifacts with ${key}=${v}`).waitFor()
  }

  log('properties: edit qa.status (two values)')
  await card.getByRole('button', { name: 'Edit property qa.status' }).click()
  let dialog = page.getByRole('dialog', { name: 'Edit property qa.status' })
  await setValues(page, dialog, ['passed', 'nightly'])
  await dialog.getByRole('button', { name: 'Save' }).click()
  await until('qa.status edited', async () => same((await stored())['qa.status'], ['passed', 'nightly']))
  await dialog.waitFor({ state: 'detached' })
  await card.getByLabel('Find artifacts with qa.status=nightly').waitFor()
  await card.getByLabel('Find artifacts with qa.status=pending').waitFor({ state: 'detached' })

  log('properties: delete os')
  await card.getByRole('button', { name: 'Delete property os' }).click()
  dialog = page.getByRole('dialog', { name: 'Delete property os?' })
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click()
  await until('os deleted', async () => !('os' in (await stored())))
  await card.getByLabel('Find artifacts with os=linux').waitFor({ state: 'detached' })
  const left = await stored()
  if (Object.keys(left).join() !== 'qa.status') throw new Error(`stored: ${JSON.stringify(left)}`)
  await shot(page, 'ops-properties')

  log('properties: search by property from the artifact')
  await card.getByLabel('Find artifacts with qa.status=passed').click()
  await page.getByRole('heading', { name: 'Search by property' }).waitFor()
  await page.getByRole('table', { name: 'Artifacts found' }).getByText(file).waitFor()
  await shot(page, 'ops-property-search')
})

finish()
