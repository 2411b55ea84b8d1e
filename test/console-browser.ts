/**
 * The web console's browser tests' helpers: Debian's Chromium driven by playwright-core,
 * sign-in, view navigation, axe-core (serious and critical violations fail), screenshots
 * into artifacts/console/ (kept by CI).
 * @module
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests are skipped here, or false when they run. */
export const SKIP_BROWSER: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does) to run the console's browser tests`;

/** Screenshots of each step. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/console/', import.meta.url));

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Launches headless Chromium with nothing that reaches out to the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the console and signs in with `token`; waits until the stream is live. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('live-state').filter({ hasText: /^live/ }).waitFor();
}

/** Signs out (the token is dropped) and checks the sign-in form is back. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Token').waitFor();
}

/** Switches to a view with the navigation. */
export async function openView(page: Page, view: 'Fleet' | 'Services' | 'Failover' | 'Audit' | 'Alerts'): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: new RegExp(`^${view}`) }).click();
  await page.getByRole('heading', { level: 2, name: new RegExp(`^${view}`) }).waitFor();
}

/** Runs axe-core on the page; fails on serious or critical violations. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  // The callbacks run in the page; this file is typed without the DOM library, hence the shapes. axe.min.js is
  // evaluated over the DevTools protocol: the console's strict CSP (script-src 'self') rightly refuses an inline <script>.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: object): Promise<{ violations: { id: string; impact?: string; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: axe-core found serious/critical violations: ${JSON.stringify(bad)}`);
}

/** Saves a screenshot of the page as artifacts/console/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
