// Browser end-to-end test of the security pages (Findings, Scan policies,
// Quarantine, Quality gates) against a keeper running the real scanners
// with generated offline databases, driven by e2e/webui_security_test.go.
// Environment (beside lib.mjs's):
//   KEEPER_SEC_JAR  a jar (com.example:vuln-demo 1.0.0) the databases know a HIGH vulnerability in
// Any console error, page error, failed request or unexpected 4xx/5xx answer fails the run.
import { readFileSync } from 'node:fs'
import { adminApi, base, admin, adminPassword, expectText, finish, log, pick, problems, scenario, shot, signIn } from './lib.mjs'

const jar = readFileSync(process.env.KEEPER_SEC_JAR ?? '')
const vulnID = 'CVE-2099-0003'
const pkg = 'com.example:vuln-demo'
const jarPath = 'com/example/vuln-demo/1.0.0/vuln-demo-1.0.0.jar'

// upload publishes the jar to a maven repository over its own protocol.
const { token } = await adminApi('POST', '/api/v1/users/me/tokens', { name: 'security-e2e', scopes: [] })
async function upload(repo) {
  const r = await fetch(`${base}/maven/${repo}/${jarPath}`, { method: 'PUT', body: jar, headers: { Authorization: `Bearer ${token}` } })
  if (r.status !== 201) throw new Error(`upload to ${repo}: HTTP ${r.status}: ${await r.text()}`)
}

// verdict waits until the artifact's scan is done (or failed).
async function verdict(repo) {
  const deadline = Date.now() + 180_000
  for (;;) {
    const rep = await adminApi('GET', `/api/v1/security/findings?repository=${repo}&path=${encodeURIComponent(jarPath)}`)
    if (['done', 'failed', 'not_scanned'].includes(rep.status)) {
      if (rep.status !== 'done') throw new Error(`${repo}: scan ${rep.status}: ${rep.error ?? ''}`)
      return rep
    }
    if (Date.now() > deadline) throw new Error(`${repo}: no verdict in time (${rep.status})`)
    await new Promise((ok) => setTimeout(ok, 200))
  }
}

// expected drops the problems an expected API refusal leaves (the test
// provokes it on purpose), failing when it did not happen.
function expected(re) {
  const i = problems.findIndex((p) => re.test(p))
  if (i < 0) throw new Error(`expected a problem matching ${re}, got ${JSON.stringify(problems)}`)
  problems.splice(i, 1)
}

async function openPage(page, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('menuitem', { name }).click()
  await page.getByRole('heading', { level: 2, name }).waitFor()
}

// closeDrawer closes the finding's details with its Close button.
async function closeDrawer(page) {
  const drawer = page.getByRole('dialog')
  await drawer.getByRole('button', { name: 'Close' }).click()
  await drawer.waitFor({ state: 'hidden' })
}

log('setup: repositories and a vulnerable jar')
for (const key of ['sec-mvn', 'sec-held']) {
  await adminApi('POST', '/api/v1/repositories', { key, name: key, format: 'maven', repo_type: 'local', is_public: false })
}
await upload('sec-mvn')
const first = await verdict('sec-mvn')
if (!first.findings.some((f) => f.id === vulnID)) throw new Error(`sec-mvn: ${vulnID} not found: ${JSON.stringify(first)}`)
// Each scanner names the package its own way, so the open HIGH findings
// are one per scanner that saw it.
const highs = first.findings.filter((f) => f.severity === 'HIGH').length

await scenario('findings', async ({ page }) => {
  log('sign in')
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  log('findings: filtered list')
  await openPage(page, 'Findings')
  const table = page.getByRole('table')
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).waitFor()
  await pick(page, 'Filter by severity', 'HIGH')
  await page.keyboard.press('Escape')
  await pick(page, 'Filter by repository', 'sec-mvn')
  await page.getByLabel('Search findings').fill('vuln-demo')
  await page.getByLabel('Search findings').press('Enter')
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).waitFor()
  await page.getByLabel('Search findings').fill('no-such-package')
  await page.getByLabel('Search findings').press('Enter')
  await expectText(page, 'No finding matches the filters')
  await page.getByLabel('Search findings').fill('')
  await page.getByLabel('Search findings').press('Enter')
  await shot(page, 'security-findings')

  log('findings: details')
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).click()
  const drawer = page.getByRole('dialog')
  await drawer.getByText('1.1.0', { exact: true }).waitFor()
  const link = drawer.getByRole('link', { name: `sec-mvn/${jarPath}` })
  const href = await link.getAttribute('href')
  if (href !== `/ui/repositories/sec-mvn?path=${encodeURIComponent(jarPath)}`) throw new Error(`artifact link: ${href}`)
  await shot(page, 'security-finding-details')

  log('findings: acknowledge')
  await drawer.getByLabel('Reason').fill('not reachable in our use (e2e)')
  await drawer.getByRole('button', { name: 'Acknowledge', exact: true }).click()
  await expectText(page, `${vulnID} acknowledged`)
  await drawer.getByRole('button', { name: 'Revoke' }).waitFor()
  await closeDrawer(page)
  await expectText(page, 'No finding matches the filters')
  const acks = await adminApi('GET', '/api/v1/security/acknowledgements')
  if (!acks.items.some((a) => a.vulnerability_id === vulnID && a.repository === 'sec-mvn')) throw new Error(`no acknowledgement: ${JSON.stringify(acks)}`)
  await page.locator('label.ant-radio-button-wrapper', { hasText: 'Acknowledged' }).click()
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).waitFor()
  await shot(page, 'security-findings-acknowledged')

  log('findings: revoke')
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click()
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Revoke' }).click()
  await expectText(page, 'Acknowledgement revoked')
  await page.getByRole('dialog').getByRole('button', { name: 'Acknowledge', exact: true }).waitFor()
  await closeDrawer(page)
  await page.locator('label.ant-radio-button-wrapper', { hasText: 'Open' }).click()
  await table.getByRole('button', { name: `Details of ${vulnID} in ${pkg}` }).waitFor()
  const left = await adminApi('GET', '/api/v1/security/acknowledgements')
  if (left.items.length) throw new Error(`acknowledgement not revoked: ${JSON.stringify(left)}`)
})

await scenario('policies', async ({ page }) => {
  log('policies: validation error from the API')
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  await openPage(page, 'Scan policy')
  await pick(page, 'Policy of', 'sec-held')
  await page.getByText('Repository sec-held').waitFor()
  const licenses = page.getByLabel('Denied licenses')
  await licenses.fill('not a license')
  await licenses.press('Enter')
  await page.getByRole('button', { name: 'Save policy' }).click()
  await expectText(page, '"not a license" is not an SPDX license identifier')
  await shot(page, 'security-policy-invalid')

  log('policies: quarantine new uploads')
  await licenses.press('Backspace')
  await page.getByLabel('Quarantine new uploads').click()
  await page.getByRole('button', { name: 'Save policy' }).click()
  await expectText(page, 'Policy saved')
  const p = await adminApi('GET', '/api/v1/security/policies/sec-held')
  if (!p.quarantine || p.deny_licenses?.length) throw new Error(`policy not saved: ${JSON.stringify(p)}`)
  await shot(page, 'security-policy')
  // The refused save: its answer, and the browser's console line about it.
  expected(/HTTP 400: PUT .*\/api\/v1\/security\/policies\/sec-held/)
  expected(/console error: Failed to load resource: .*status of 400/)
})

log('quarantine: upload into the held repository')
await upload('sec-held')
const held = await verdict('sec-held')
if (!held.download.quarantined) throw new Error(`sec-held: not quarantined: ${JSON.stringify(held.download)}`)

await scenario('quarantine', async ({ page }) => {
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  log('quarantine: the queue')
  await openPage(page, 'Quarantine')
  const release = page.getByRole('button', { name: `Release sec-held/${jarPath}` })
  await release.waitFor()
  await shot(page, 'security-quarantine')
  log('quarantine: release with a confirmation')
  await release.click()
  const dialog = page.getByRole('dialog', { name: 'Release from quarantine?' })
  await dialog.getByRole('button', { name: 'Release' }).click()
  await expectText(page, `${jarPath} released`)
  await expectText(page, 'Nothing is held in quarantine')
  const after = await verdict('sec-held')
  if (after.download.quarantined) throw new Error(`still quarantined: ${JSON.stringify(after.download)}`)
  await shot(page, 'security-quarantine-empty')
})

await scenario('gates', async ({ page }) => {
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  log('gates: create')
  await openPage(page, 'Quality gates')
  await expectText(page, 'No quality gates yet')
  await page.getByRole('button', { name: 'Create a gate' }).click()
  let dialog = page.getByRole('dialog')
  await dialog.getByLabel('Name').fill('release')
  await dialog.getByLabel('Most high findings').fill('0')
  await dialog.getByRole('button', { name: 'Save gate' }).click()
  await expectText(page, 'Gate release saved')
  await dialog.waitFor({ state: 'detached' })
  await page.getByRole('table').getByText('at most 0 high').waitFor()

  log('gates: evaluate (fails)')
  const evaluate = page.getByRole('form', { name: 'Evaluate a gate' })
  await pick(page, 'Gate', 'release')
  await pick(page, 'Repository', 'sec-mvn')
  await evaluate.getByLabel('Artifact path').fill(jarPath)
  await evaluate.getByRole('button', { name: 'Evaluate' }).click()
  await expectText(page, 'Fails release')
  await expectText(page, `${highs} high findings (at most 0)`)
  await shot(page, 'security-gate-fail')

  log('gates: edit the rule, evaluate (passes)')
  await page.getByRole('button', { name: 'Edit gate release' }).click()
  dialog = page.getByRole('dialog')
  await dialog.getByLabel('Most high findings').fill(String(highs))
  await dialog.getByRole('button', { name: 'Save gate' }).click()
  await dialog.waitFor({ state: 'detached' })
  await page.getByRole('table').getByText(`at most ${highs} high`).waitFor()
  await evaluate.getByRole('button', { name: 'Evaluate' }).click()
  await expectText(page, 'Passes release')

  log('gates: attach to a repository')
  await page.getByRole('button', { name: 'Attach gate release' }).click()
  dialog = page.getByRole('dialog', { name: 'Attach gate release' })
  await pick(page, 'Repositories', 'sec-held')
  // A click on the title closes the list (the label would open it again).
  await dialog.getByText('Attach gate release', { exact: true }).click()
  await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' })
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expectText(page, 'Attachments saved')
  await page.getByRole('table').getByRole('cell', { name: 'sec-held', exact: true }).waitFor()
  const p = await adminApi('GET', '/api/v1/security/policies/sec-held')
  if (p.quality_gate !== 'release' || !p.quarantine) throw new Error(`gate not attached: ${JSON.stringify(p)}`)
  await shot(page, 'security-gates')
})

finish()
