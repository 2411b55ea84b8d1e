/**
 * The web console in a real browser (issue 19): Debian's Chromium opens /ui, signs in as the
 * viewer and sees the fleet and its traffic, watches a region go down (its edges drain, a
 * failover proposal appears), signs in as the approver, approves with a reason and sees epoch 2
 * and the audit records. The viewer sees no action button. axe-core checks every view.
 * Screenshots of each step go to artifacts/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchChromium, openView, screenshot, signIn, signOut, SKIP_BROWSER } from './console-browser.ts';
import { startConsoleFixture, type ConsoleFixture } from './console-fixture.ts';

describe('web console: fleet, a region outage and a governed approval, in Chromium', { skip: SKIP_BROWSER, timeout: 180_000 }, () => {
  let fixture: ConsoleFixture;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fixture = await startConsoleFixture({ regions: ['jkt', 'sgp', 'tyo'], clustersPerRegion: 1, services: 40 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('1. as the viewer: three clusters with their health layers and live traffic edges', async () => {
    await signIn(page, fixture.url, fixture.tokens.viewer);
    await page.locator('svg.fleet-map g[data-cluster]').nth(2).waitFor();
    assert.equal(await page.locator('svg.fleet-map g[data-cluster]').count(), 3);
    assert.equal(await page.locator('g[data-cluster="sgp-prod-1"] g[data-layer]').count(), 4);
    await page.locator('svg.fleet-map g[data-edge="jkt-prod-1→sgp-prod-1"][data-health="ok"]').waitFor();
    await screenshot(page, '1-fleet-viewer');
    await assertAccessible(page, 'Fleet');
  });

  it('the viewer sees no action button, and every view passes axe-core', async () => {
    for (const view of ['Services', 'Failover', 'Audit', 'Alerts'] as const) {
      await openView(page, view);
      await assertAccessible(page, view);
    }
    await openView(page, 'Failover');
    await page.locator('article[data-policy="cases/case-writes"]').waitFor();
    assert.equal(await page.locator('.action button').count(), 0);
    await openView(page, 'Services');
    await page.locator('button[data-service]').first().waitFor();
    await page.locator('button[data-service]').first().click();
    await page.locator('.service-details').waitFor();
    await assertAccessible(page, 'Services (expanded row)');
  });

  it('2. sgp-prod-1 goes down: its edges drain and a failover proposal appears', async () => {
    await openView(page, 'Fleet');
    const res = await fetch(`${fixture.url}/api/v1/faults/cluster/sgp-prod-1/down`, { method: 'POST', headers: { authorization: `Bearer ${fixture.tokens.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'console e2e: region outage' }) });
    assert.equal(res.status, 200, await res.text());
    await page.locator('g[data-edge="jkt-prod-1→sgp-prod-1"][data-health="idle"]').waitFor();
    await page.locator('g[data-cluster="sgp-prod-1"] g[data-layer="regional"][data-state="failing"]').waitFor();
    await screenshot(page, '2-fleet-sgp-down');
    await openView(page, 'Failover');
    await page.locator('article[data-policy="cases/case-writes"][data-state="FailoverPending"] [data-testid="pending"]').waitFor();
    await page.locator('article[data-policy="cases/case-writes"] g[data-phase="FailoverPending"][data-current="true"]').waitFor();
    assert.equal(await page.locator('.action button').count(), 0, 'still no action for the viewer');
    await screenshot(page, '2-failover-pending');
    await assertAccessible(page, 'Failover (pending)');
  });

  it('3. as the approver: approve with a reason, see epoch 2 and the audit records', async () => {
    await signOut(page);
    await signIn(page, fixture.url, fixture.tokens.approver);
    await openView(page, 'Failover');
    const card = page.locator('article[data-policy="cases/case-writes"]');
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
    await page.locator('article[data-policy="cases/case-writes"][data-epoch="2"]').waitFor();
    await screenshot(page, '3-failover-approved');
    await openView(page, 'Audit');
    await page.locator('[data-testid="audit-records"] li[data-action="Approve"][data-actor="local-approver"]').waitFor();
    await page.getByTestId('chain').filter({ hasText: 'verified' }).waitFor();
    await page.locator('[data-testid="audit-records"] li[data-action="MoveOwnership"] button').click();
    await page.getByTestId('record-details').getByRole('rowheader', { name: 'owner' }).waitFor();
    await screenshot(page, '3-audit');
    await assertAccessible(page, 'Audit (record details)');
  });
});
