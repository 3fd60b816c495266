// Browser end-to-end test of the signing keys page (web/src/pages/signing/)
// against a running keeper, driven by e2e/webui_system_test.go through
// runUIScriptSetup; the keeper holds the generic repository "signed". A key
// is generated on the page and listed, its fingerprint and public key shown
// as the API gives them, assigned to "signed", rotated (the new key takes
// the repository over) and revoked. Every step waits for what the API
// confirms. Any console error, page error, failed request or 4xx/5xx answer
// of the page fails the run.
import { adminApi, base, finish, log, openPage, scenario, shot, until } from './lib.mjs'

const keys = async () => (await adminApi('GET', '/api/v1/signing/keys')).items
const signs = async () => (await adminApi('GET', '/api/v1/signing/repositories')).items
const grouped = (fp) => fp.toUpperCase().match(/.{1,4}/g).join(' ')

// confirm answers the open Popconfirm with its button named name.
async function confirm(page, name) {
  await page.locator('.ant-popconfirm:visible').getByRole('button', { name, exact: true }).click()
}

await scenario('signing', async ({ page }) => {
  log('signing: open the page')
  await openPage(page, 'Signing keys', 'Signing keys')
  await page.getByText('No signing keys yet').waitFor()

  log('signing: generate an rsa3072 key')
  const form = page.getByRole('form', { name: 'Generate or import a key' })
  await form.getByLabel('Name').fill('release')
  await form.getByText('rsa3072', { exact: true }).click()
  await form.getByRole('button', { name: 'Generate key' }).click()
  const [k] = await until('the key in the API', async () => {
    const l = await keys()
    return l.length === 1 ? l : null
  }, 60000)
  if (k.algorithm !== 'rsa3072' || !k.name.startsWith('release-') || k.status !== 'active') throw new Error(`generated: ${JSON.stringify(k)}`)
  const table = page.getByRole('table', { name: 'Signing keys' })
  const row = (id) => table.locator(`tr[data-row-key="${id}"]`)
  await row(k.id).filter({ hasText: 'active' }).filter({ hasText: 'no repository' }).waitFor()

  log('signing: its public part and fingerprint, assigned to a repository')
  await row(k.id).getByRole('button', { name: `Public key of ${k.name}` }).click()
  const dialog = page.getByRole('dialog', { name: `Signing key ${k.name}` })
  await dialog.getByTestId('fingerprint').filter({ hasText: grouped(k.fingerprint) }).waitFor()
  const published = await (await fetch(`${base}/api/v1/signing/keys/${k.id}/public`)).text()
  const shown = await dialog.getByLabel('Public key').innerText()
  if (shown.trim() !== published.trim() || !published.includes('BEGIN PGP PUBLIC KEY BLOCK')) throw new Error(`public key shown:\n${shown}\npublished:\n${published}`)
  if ((await dialog.getByRole('button', { name: /copy/i }).count()) < 2) throw new Error('no copy buttons for the fingerprint and the public key')
  await dialog.getByLabel('Repository to sign').fill('signed')
  await dialog.getByRole('button', { name: 'Sign it' }).click()
  await until('the repository configured', async () => (await adminApi('GET', '/api/v1/signing/repositories/signed/config')).key_id === k.id)
  await dialog.locator('.ant-tag', { hasText: 'signed' }).waitFor()
  await shot(page, 'signing-key')
  await dialog.getByRole('button', { name: 'Close' }).last().click()
  await dialog.waitFor({ state: 'hidden' })
  await row(k.id).locator('.ant-tag', { hasText: 'signed' }).waitFor()

  log('signing: rotate')
  await row(k.id).getByRole('button', { name: `Rotate ${k.name}` }).click()
  await confirm(page, 'Rotate')
  const nk = await until('the rotation in the API', async () => {
    const l = await keys()
    const old = l.find((x) => x.id === k.id)
    return old?.status === 'retired' ? l.find((x) => x.id === old.replaced_by) : null
  }, 60000)
  const moved = await signs()
  if (moved.length !== 1 || moved[0].key_id !== nk.id) throw new Error(`after the rotation the repository is signed by ${JSON.stringify(moved)}`)
  await row(k.id).filter({ hasText: 'retired' }).filter({ hasText: `replaced by ${nk.name}` }).waitFor()
  await row(nk.id).filter({ hasText: 'active' }).locator('.ant-tag', { hasText: 'signed' }).waitFor()
  await shot(page, 'signing-rotated')

  log('signing: revoke the new key')
  await row(nk.id).getByRole('button', { name: `Revoke ${nk.name}` }).click()
  await confirm(page, 'Revoke')
  await until('the revocation in the API', async () => (await keys()).find((x) => x.id === nk.id)?.status === 'revoked')
  await until('no repository signed', async () => (await signs()).length === 0)
  await row(nk.id).filter({ hasText: 'revoked' }).filter({ hasText: 'no repository' }).waitFor()
  if ((await row(nk.id).getByRole('button', { name: `Rotate ${nk.name}` }).count()) !== 0) throw new Error('a revoked key offers a rotation')
  await shot(page, 'signing-revoked')
})

finish()
