/**
 * The web console in a real browser against `lintas up` on the capstone fleet (issue 19):
 * Debian's Chromium opens the admin server's /ui, signs in as the viewer and sees the three
 * clusters and live traffic edges, watches sgp-prod-1 go down (its edges drain, a failover
 * proposal appears), then signs in as the approver, approves with a reason and sees epoch 2
 * and the audit records. The viewer sees no action button. axe-core checks every view.
 * Screenshots of each step go to artifacts/console/. Load: a few requests every 200 ms through
 * the gateways (loopback), stopped at the end; every wait is for an element, never a sleep.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { run } from '../src/cli/main.ts';
import { assertAccessible, launchChromium, openView, screenshot, signIn, signOut, SKIP_BROWSER } from './console-browser.ts';
import { admin, call, type FleetHandle } from './e2e/capstone-client.ts';
import { waitFor } from './wait.ts';

const CAPSTONE = fileURLToPath(new URL('../examples/capstone', import.meta.url));
const POLICY = 'cases/case-writes';
/** Waits that span a health dwell (detection.unhealthyFor 5s) or a drain get longer than Playwright's 30 s default. */
const SLOW = { timeout: 90_000 };

describe('web console on lintas up: fleet, a region outage and a governed approval, in Chromium', { skip: SKIP_BROWSER, timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-console-'));
  const stateDir = join(root, '.lintas');
  const controller = new AbortController();
  const errors: string[] = [];
  let exited: Promise<number> | undefined;
  let fleet: FleetHandle & { readonly viewerToken: string };
  let browser: Browser;
  let page: Page;
  let stopLoad = false;
  let load: Promise<void> = Promise.resolve();

  before(async () => {
    const io = { out: () => undefined, err: (s: string) => void errors.push(s), env: {}, cwd: root };
    exited = run(['up', CAPSTONE, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], io, controller.signal);
    fleet = await waitFor(
      'up.json',
      () => {
        try {
          return JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as typeof fleet;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    // Traffic through every gateway: reads stay local, writes of Singapore's cases entering at jkt and tyo go to sgp.
    const gw = (c: string): string => fleet.gateways[c] ?? assert.fail(`no gateway for ${c} in up.json`);
    const cases = { host: 'cases.example.com' };
    load = (async () => {
      const deadline = Date.now() + 240_000;
      for (let n = 0; !stopLoad && Date.now() < deadline; n++) {
        await Promise.all([
          ...['J', 'T'].map((via) => {
            const key = `SGP-${via}${String(n)}`;
            return call(`${gw(via === 'J' ? 'jkt-prod-1' : 'tyo-prod-1')}/cases`, { method: 'POST', ...cases, headers: { 'x-case-id': key, 'idempotency-key': `w-${key}` }, body: JSON.stringify({ id: key, title: 'console e2e' }) });
          }),
          ...['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'].map((c) => call(`${gw(c)}/search?q=fraud`, { host: 'search.example.com' })),
        ]);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    stopLoad = true;
    await load;
    await browser?.close();
    controller.abort();
    assert.equal(await exited, 0, errors.join('\n'));
    rmSync(root, { recursive: true, force: true });
  });

  it('1. as the viewer: three clusters with their health layers and live traffic edges', async () => {
    await signIn(page, fleet.admin, fleet.viewerToken);
    await page.locator('svg.fleet-map g[data-cluster]').nth(2).waitFor();
    assert.equal(await page.locator('svg.fleet-map g[data-cluster]').count(), 3);
    assert.equal(await page.locator('g[data-cluster="sgp-prod-1"] g[data-layer]').count(), 4);
    await page.locator('svg.fleet-map g[data-edge="jkt-prod-1→sgp-prod-1"]:not([data-health="idle"])').waitFor(SLOW);
    await page.locator('svg.fleet-map g[data-edge="tyo-prod-1→sgp-prod-1"]:not([data-health="idle"])').waitFor(SLOW);
    await screenshot(page, '1-fleet-viewer');
    await assertAccessible(page, 'Fleet');
  });

  it('the viewer sees no action button, and every view passes axe-core', async () => {
    for (const view of ['Services', 'Failover', 'Audit', 'Alerts'] as const) {
      await openView(page, view);
      await assertAccessible(page, view);
    }
    await openView(page, 'Failover');
    await page.locator(`article[data-policy="${POLICY}"]`).waitFor();
    assert.equal(await page.locator('.action button').count(), 0);
    await openView(page, 'Services');
    await page.locator('button[data-service="cases/public-case-api"]').click();
    await page.locator('.service-details').waitFor();
    await assertAccessible(page, 'Services (expanded row)');
  });

  it('2. sgp-prod-1 goes down: its edges drain and a failover proposal appears', async () => {
    await openView(page, 'Fleet');
    await admin(fleet, 'POST', '/api/v1/faults/cluster/sgp-prod-1/down', { reason: 'console e2e: region outage' });
    await page.locator('g[data-edge="jkt-prod-1→sgp-prod-1"][data-health="idle"]').waitFor(SLOW);
    await page.locator('g[data-cluster="sgp-prod-1"] g[data-layer="regional"][data-state="failing"]').waitFor(SLOW);
    await screenshot(page, '2-fleet-sgp-down');
    await openView(page, 'Failover');
    await page.locator(`article[data-policy="${POLICY}"][data-state="FailoverPending"] [data-testid="pending"]`).waitFor(SLOW);
    await page.locator(`article[data-policy="${POLICY}"] g[data-phase="FailoverPending"][data-current="true"]`).waitFor();
    assert.equal(await page.locator('.action button').count(), 0, 'still no action for the viewer');
    await screenshot(page, '2-failover-pending');
    await assertAccessible(page, 'Failover (pending)');
  });

  it('3. as the approver: approve with a reason, see epoch 2 and the audit records', async () => {
    await signOut(page);
    await signIn(page, fleet.admin, fleet.approverToken ?? assert.fail('up.json has no approverToken'));
    await openView(page, 'Failover');
    const card = page.locator(`article[data-policy="${POLICY}"]`);
    assert.equal(await card.getByRole('button', { name: 'Abort' }).count(), 0, 'an approver is not offered abort');
    await card.getByRole('button', { name: 'Approve' }).click();
    // Without a reason the form does not submit (the browser's required-field check).
    await card.getByRole('button', { name: 'Confirm approve' }).click();
    assert.equal(await card.getByLabel('Reason (required)').evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing), true);
    assert.equal(await card.getByTestId('action-outcome').count(), 0);
    await card.getByLabel('Reason (required)').fill('console e2e: Singapore is down, approve the failover');
    await assertAccessible(page, 'Failover (approve form)');
    await card.getByRole('button', { name: 'Confirm approve' }).click();
    await card.getByTestId('action-outcome').filter({ hasText: 'approve accepted' }).waitFor();
    await page.locator(`article[data-policy="${POLICY}"][data-epoch="2"]`).waitFor(SLOW);
    await screenshot(page, '3-failover-approved');
    await openView(page, 'Audit');
    await page.getByLabel('Target').fill(POLICY);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('[data-testid="audit-records"] li[data-action="Approve"][data-actor="local-approver"]').waitFor();
    await page.getByTestId('chain').filter({ hasText: 'verified' }).waitFor();
    await page.locator('[data-testid="audit-records"] li[data-action="MoveOwnership"] button').first().click();
    await page.getByTestId('record-details').getByRole('rowheader', { name: 'owner' }).waitFor();
    await screenshot(page, '3-audit');
    await assertAccessible(page, 'Audit (record details)');
  });
});
