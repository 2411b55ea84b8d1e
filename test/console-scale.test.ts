/**
 * The web console at fleet scale (issue 19), in Chromium against a synthetic admin server
 * (test/console-fixture.ts; `lintas up` runs three clusters): 20 clusters and 1,000 services.
 * The map draws every cluster; the Services view keeps only the visible rows in the DOM,
 * fetches further pages as it scrolls, and filters on the server. No wall-clock assertion:
 * "responsive" is that the DOM stays small and every step completes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchChromium, openView, screenshot, signIn, SKIP_BROWSER } from './console-browser.ts';
import { startConsoleFixture, type ConsoleFixture } from './console-fixture.ts';

describe('web console at fleet scale: 20 clusters × 1,000 services', { skip: SKIP_BROWSER, timeout: 120_000 }, () => {
  let fixture: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  before(async () => {
    fixture = await startConsoleFixture({ regions: ['jkt', 'sgp', 'tyo', 'syd', 'bom'], clustersPerRegion: 4, services: 1000 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('draws all 20 clusters and their edges; a drained edge is dashed', async () => {
    await signIn(page, fixture.url, fixture.tokens.viewer);
    await page.locator('svg.fleet-map g[data-cluster]').nth(19).waitFor();
    assert.equal(await page.locator('svg.fleet-map g[data-cluster]').count(), 20);
    assert.ok((await page.locator('svg.fleet-map g[data-edge]').count()) >= 39);
    assert.equal(await page.locator('svg.fleet-map g[data-health="idle"] path[stroke-dasharray]').count(), 1);
    await screenshot(page, 'scale-fleet');
    await assertAccessible(page, 'Fleet at scale');
  });

  it('lists 1,000 services with a bounded DOM, pages on scroll, filters on the server', async () => {
    await openView(page, 'Services');
    await page.getByRole('heading', { name: 'Services (1000)' }).waitFor();
    const rows = await page.locator('[data-testid="services-list"] li').count();
    assert.ok(rows > 0 && rows < 60, `only the visible rows are in the DOM (${String(rows)})`);
    const pagesBefore = requests.filter((u) => u.includes('/api/v1/console/services')).length;
    await page.getByTestId('services-list').evaluate((el) => {
      (el as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (el as unknown as { scrollHeight: number }).scrollHeight;
    });
    await page.locator('button[data-service="ns-49/svc-0999"]').waitFor();
    assert.ok((await page.locator('[data-testid="services-list"] li').count()) < 60);
    assert.ok(requests.filter((u) => u.includes('/api/v1/console/services')).length > pagesBefore, 'the last page was fetched on scroll');
    await page.getByLabel('Filter by namespace/name').pressSequentially('svc-0042', { delay: 20 });
    await page.getByRole('heading', { name: 'Services (1)' }).waitFor();
    assert.ok(requests.some((u) => u.includes('q=svc-0042')), 'the filter went to the server');
    assert.ok(!requests.some((u) => /[?&](q=s|q=sv|q=svc-|q=svc-0|q=svc-00|q=svc-004)(&|$)/.test(u)), 'typing was debounced into one query');
    await screenshot(page, 'scale-services');
    await assertAccessible(page, 'Services at scale');
  });
});
