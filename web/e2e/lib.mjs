// Shared pieces of the browser end-to-end scripts (ui.mjs and the page
// suites beside it), each run by a Go test in e2e/ against its own keeper:
// Debian's Chromium through playwright-core, a problem list that fails the
// run on any console error, page error, failed request or 4xx/5xx answer,
// screenshots, and the form helpers every script uses. Environment:
//   KEEPER_URL, KEEPER_ADMIN_USER, KEEPER_ADMIN_PASSWORD  the server and its admin
//   KEEPER_UI_ARTIFACTS  where screenshots go (not committed)
//   CHROMIUM             the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core'
import { createHash } from 'node:crypto'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const base = process.env.KEEPER_URL
export const admin = process.env.KEEPER_ADMIN_USER || 'admin'
export const adminPassword = process.env.KEEPER_ADMIN_PASSWORD
export const shots = process.env.KEEPER_UI_ARTIFACTS || mkdtempSync(join(tmpdir(), 'keeper-ui-shots-'))
if (!base || !adminPassword) throw new Error('KEEPER_URL and KEEPER_ADMIN_PASSWORD are required')
mkdirSync(shots, { recursive: true })

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']
let current = ''
// problems collects everything that fails the run; a script may push its own.
export const problems = []
const profiles = []

// browser opens a fresh Chromium profile whose page reports its problems.
export async function browser() {
  const dir = mkdtempSync(join(tmpdir(), 'keeper-ui-profile-'))
  profiles.push(dir)
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args, headless: true, viewport: { width: 1366, height: 800 },
    acceptDownloads: true,
  })
  ctx.setDefaultTimeout(15000)
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText} (step "${current}")`))
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`) })
  return { ctx, page }
}

// removeAtEnd marks a temporary directory for removal by finish.
export const removeAtEnd = (dir) => profiles.push(dir)

// log names the step in progress; a failure reports it.
export const log = (s) => { current = s; console.log(`ui-e2e: ${s}`) }
export const step = () => current
export const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
export const expectText = (page, text) => page.getByText(text, { exact: false }).first().waitFor()

// pick chooses option in the antd select labelled label.
export async function pick(page, label, option, search) {
  await page.getByLabel(label, { exact: true }).click()
  if (search) await page.keyboard.type(search) // a long list is virtualised: filter it first
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click()
}

// pickByKeyboard chooses option like pick, but points at it (which makes it
// the active option) and presses Enter: in a list whose data is refreshed
// while it is open, a click can land on an option being re-rendered and
// choose nothing.
export async function pickByKeyboard(page, label, option, search) {
  await page.getByLabel(label, { exact: true }).click()
  if (search) await page.keyboard.type(search)
  const item = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first()
  await item.hover()
  await item.locator('xpath=ancestor-or-self::*[contains(@class, "ant-select-item-option-active")]').waitFor({ timeout: 5000 })
  await page.keyboard.press('Enter')
}

// selected waits until the antd select labelled label (inside scope) shows
// text as its value.
export async function selected(page, scope, label, text) {
  await scope.locator('.ant-select', { has: page.getByLabel(label, { exact: true }) }).filter({ hasText: text }).waitFor()
}

export async function signIn(page, user, password) {
  await page.getByLabel('Username').fill(user)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

// adminToken is an access token of the admin (a session is made on first use).
let token = ''
export async function adminToken() {
  if (!token) {
    const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: admin, password: adminPassword }) })
    if (!r.ok) throw new Error(`login: HTTP ${r.status}`)
    token = (await r.json()).access_token
  }
  return token
}

// adminApi calls the REST API as the admin.
export async function adminApi(method, path, body) {
  const token = await adminToken()
  const r = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

// upload PUTs a file into a generic repository through the API.
export async function upload(repo, path, data) {
  const put = await fetch(`${base}/api/v1/repositories/${repo}/artifacts/${path}`, { method: 'PUT', body: data,
    headers: { Authorization: `Bearer ${await adminToken()}`, 'Content-Type': 'application/octet-stream',
      'X-Checksum-Sha256': createHash('sha256').update(data).digest('hex') } })
  if (put.status !== 201) throw new Error(`upload ${repo}/${path}: HTTP ${put.status}: ${await put.text()}`)
}

// until polls check (an API call, never a timer standing in for a state)
// until it returns a truthy value, which it returns.
export async function until(what, check, timeout = 30000) {
  const end = Date.now() + timeout
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

// openPage signs in and goes to the page behind the main menu's entry.
export async function openPage(page, menu, heading) {
  await page.goto(base + '/ui/')
  await signIn(page, admin, adminPassword)
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('menuitem', { name: menu }).click()
  await page.getByRole('heading', { name: heading, exact: true }).waitFor()
}

// expectRefusal drops the problems an intended refusal caused since index
// from (the answer and the browser's console line about it), failing when
// there was none.
export function expectRefusal(from, pattern, status) {
  const mine = problems.slice(from).filter((p) => pattern.test(p))
  if (!mine.length) throw new Error(`expected a refusal matching ${pattern}`)
  const console = new RegExp(`status of ${status}`)
  problems.splice(from, problems.length - from, ...problems.slice(from).filter((p) => !pattern.test(p) && !console.test(p)))
}

// scenario runs one signed-in browser session: fn({ page }) with a
// screenshot and the step's name on failure.
export async function scenario(name, fn) {
  const { ctx, page } = await browser()
  try {
    await fn({ page, ctx })
  } catch (e) {
    await shot(page, `failure-${name}`).catch(() => {})
    throw new Error(`step "${current}": ${e.message}`)
  } finally {
    await ctx.close()
  }
}

// finish removes the profiles and exits 1 when anything went wrong.
export function finish() {
  for (const d of profiles) rmSync(d, { recursive: true, force: true })
  console.log(`ui-e2e: screenshots in ${shots}`)
  if (problems.length) {
    console.error('ui-e2e: FAIL\n' + problems.join('\n'))
    process.exit(1)
  }
  console.log('ui-e2e: PASS')
}
