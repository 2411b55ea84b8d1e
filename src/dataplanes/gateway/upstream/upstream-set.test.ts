import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../observability/index.ts';
import type { AttemptOutcome, EndpointRef, HealthEvent, UpstreamSet } from './types.ts';
import { ep, fakeClock, seededRandom, upstream } from './test-support.ts';
import { createUpstreamSet, type UpstreamSetOptions } from './upstream-set.ts';

const KEY = 'ServiceImport/ns/svc:8080';
const JKT = { entryCluster: 'jkt', entryRegion: 'ap-southeast-3', entryZone: 'a' };
const loc = (cluster: string, region: string, zone: string) => ({ cluster, region, zone });

function setup(extra: Partial<UpstreamSetOptions> = {}) {
  const clock = fakeClock();
  const events: HealthEvent[] = [];
  const set = createUpstreamSet({ log: silentLogger, random: seededRandom(9), now: clock.now, healthCheck: { enabled: false }, ...extra });
  set.onHealthEvent((e) => events.push(e));
  return { set, clock, events };
}

function tally(set: UpstreamSet, n: number, ctx = JKT): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    const k = set.pick(KEY, ctx)?.key ?? '(none)';
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return seen;
}

const fail = (set: UpstreamSet, address: string, times: number, outcome: AttemptOutcome = { error: 'connect' }) => {
  const ref = { key: `${address}:8080`, address, port: 8080, cluster: 'jkt' };
  for (let i = 0; i < times; i += 1) {
    set.onAttemptStart(KEY, ref);
    set.onAttemptEnd(KEY, ref, outcome);
  }
};

describe('createUpstreamSet: locality and eligibility', () => {
  it('keeps traffic in the same zone, spills by health, never to not-ready endpoints', () => {
    const { set } = setup();
    set.update([
      upstream([
        ep('10.0.0.1', 'jkt', loc('jkt', 'ap-southeast-3', 'a')),
        ep('10.0.0.2', 'jkt', { ...loc('jkt', 'ap-southeast-3', 'a'), ready: false, serving: false }),
        ep('10.0.0.3', 'jkt', loc('jkt', 'ap-southeast-3', 'b')),
        ep('10.1.0.1', 'sgp', loc('sgp', 'ap-southeast-1', 'a')),
      ]),
    ]);
    const seen = tally(set, 4000);
    assert.equal(seen.get('10.0.0.2:8080'), undefined, 'not-ready never picked');
    assert.equal(seen.get('10.1.0.1:8080'), undefined, 'other region gets nothing');
    const p0 = (seen.get('10.0.0.1:8080') ?? 0) / 4000;
    assert.ok(p0 > 0.65 && p0 < 0.75, `P0 at 50 % health gets ~70 %, got ${String(p0)}`);
    const explain = set.explain(KEY, JKT);
    assert.deepEqual(explain?.priorityLoad, [70, 30, 0, 0]);
    assert.equal(explain?.panic, false);
    assert.deepEqual(
      explain?.endpoints.map((e) => [e.key, e.priority, e.ready]),
      [
        ['10.0.0.1:8080', 0, true],
        ['10.0.0.2:8080', 0, false],
        ['10.0.0.3:8080', 1, true],
        ['10.1.0.1:8080', 3, true],
      ],
    );
    assert.equal(set.explain('nope', JKT), undefined);
    assert.equal(set.pick('nope', JKT), undefined);
    set.close();
  });

  it('uses terminating-but-serving endpoints only when nothing else is left', () => {
    const { set } = setup();
    const term = ep('10.0.0.9', 'jkt', { ready: false, serving: true, terminating: true });
    set.update([upstream([ep('10.0.0.1', 'jkt'), term])]);
    assert.equal(tally(set, 200).get('10.0.0.9:8080'), undefined);
    set.update([upstream([ep('10.0.0.1', 'jkt', { ready: false, serving: false }), term])]);
    // 0 of 2 healthy: total panic, both endpoints are candidates, the not-ready one included.
    assert.equal(set.explain(KEY, JKT)?.panic, true);
    set.close();
  });

  it('terminating endpoints do not lower a level\'s health (no spill during rollouts)', () => {
    const { set } = setup();
    const term = (a: string) => ep(a, 'jkt', { ready: false, serving: true, terminating: true });
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), term('10.0.0.3'), term('10.0.0.4'), ep('10.1.0.1', 'sgp')])]);
    assert.deepEqual(set.explain(KEY, JKT)?.priorityLoad, [0, 100, 0, 0]);
    set.close();
  });

  it('returns undefined for an upstream without endpoints', () => {
    const { set } = setup();
    set.update([upstream([])]);
    assert.equal(set.pick(KEY, JKT), undefined);
    assert.deepEqual(set.explain(KEY, JKT)?.priorityLoad, [0, 0, 0, 0]);
    set.close();
  });

  it('least request: the busy endpoint gets less traffic', () => {
    const { set } = setup();
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), ep('10.0.0.3', 'jkt')])]);
    const busy = { key: '10.0.0.1:8080', address: '10.0.0.1', port: 8080, cluster: 'jkt' };
    for (let i = 0; i < 10; i += 1) set.onAttemptStart(KEY, busy);
    assert.equal(tally(set, 600).get('10.0.0.1:8080'), undefined);
    assert.equal(set.explain(KEY, JKT)?.endpoints.find((e) => e.key === busy.key)?.activeRequests, 10);
    set.close();
  });
});

describe('createUpstreamSet: outlier detection on a fake clock', () => {
  const three = () => upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), ep('10.0.0.3', 'jkt'), ep('10.1.0.1', 'sgp')]);

  it('ejects after consecutive connect failures and brings the endpoint back after base × n', () => {
    const { set, clock, events } = setup();
    set.update([three()]);
    fail(set, '10.0.0.1', 3);
    assert.deepEqual(events.map((e) => [e.kind, e.endpoint.key]), [['ejected', '10.0.0.1:8080']]);
    assert.equal(tally(set, 500).get('10.0.0.1:8080'), undefined);
    assert.equal(set.explain(KEY, JKT)?.endpoints.find((e) => e.key === '10.0.0.1:8080')?.ejected, true);
    clock.advance(29_999);
    assert.equal(tally(set, 200).get('10.0.0.1:8080'), undefined);
    clock.advance(1);
    assert.ok((tally(set, 300).get('10.0.0.1:8080') ?? 0) > 0, 'back after 30 s');
    assert.deepEqual(events.map((e) => e.kind), ['ejected', 'unejected']);
    // Failing again right away doubles the ejection.
    fail(set, '10.0.0.1', 3);
    clock.advance(59_999);
    assert.equal(tally(set, 200).get('10.0.0.1:8080'), undefined);
    clock.advance(1);
    assert.ok((tally(set, 300).get('10.0.0.1:8080') ?? 0) > 0, 'back after 60 s');
    set.close();
  });

  it('ejects after consecutive 5xx; successes in between reset the count', () => {
    const { set, events } = setup();
    set.update([three()]);
    fail(set, '10.0.0.2', 4, { status: 500 });
    fail(set, '10.0.0.2', 1, { status: 200 });
    fail(set, '10.0.0.2', 4, { status: 500 });
    assert.equal(events.length, 0);
    fail(set, '10.0.0.2', 1, { status: 500 });
    assert.deepEqual(events.map((e) => [e.kind, e.reason.split(' ')[0]]), [['ejected', 'consecutive_5xx']]);
    set.close();
  });

  it('respects max ejection percent (50 % of 4 endpoints = 2)', () => {
    const { set, events } = setup();
    set.update([three()]);
    fail(set, '10.0.0.1', 3);
    fail(set, '10.0.0.2', 3);
    fail(set, '10.0.0.3', 10);
    assert.deepEqual(events.map((e) => e.endpoint.key), ['10.0.0.1:8080', '10.0.0.2:8080']);
    set.close();
  });

  it('always lets one endpoint be ejected, then panics rather than blackholing', () => {
    const { set, events } = setup();
    set.update([upstream([ep('10.0.0.1', 'jkt')])]);
    fail(set, '10.0.0.1', 3);
    assert.equal(events.length, 1);
    assert.equal(set.pick(KEY, JKT)?.key, '10.0.0.1:8080', 'panic: the only endpoint is still used');
    assert.equal(set.explain(KEY, JKT)?.panic, true);
    set.close();
  });

  it('routes to another cluster while the local endpoints are ejected', () => {
    const { set } = setup();
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.1.0.1', 'sgp', { region: 'ap-southeast-1' })], { outlierDetection: { consecutive5xx: 5, consecutiveGatewayErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 100_000, maxEjectionPercent: 100 } })]);
    assert.equal(set.pick(KEY, JKT)?.cluster, 'jkt');
    fail(set, '10.0.0.1', 1);
    assert.deepEqual([...tally(set, 100).keys()], ['10.1.0.1:8080']);
    assert.deepEqual(set.explain(KEY, JKT)?.priorityLoad, [0, 0, 0, 100]);
    set.close();
  });

  it('keeps state across update(); removed endpoints are forgotten', () => {
    const { set } = setup();
    set.update([three()]);
    fail(set, '10.0.0.1', 3);
    const ref2 = { key: '10.0.0.2:8080', address: '10.0.0.2', port: 8080, cluster: 'jkt' };
    set.onAttemptStart(KEY, ref2);
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), ep('10.0.0.4', 'jkt')])]);
    const ex = set.explain(KEY, JKT);
    assert.equal(ex?.endpoints.find((e) => e.key === '10.0.0.1:8080')?.ejected, true);
    assert.equal(ex?.endpoints.find((e) => e.key === '10.0.0.2:8080')?.activeRequests, 1);
    assert.equal(ex?.endpoints.some((e) => e.key === '10.0.0.3:8080'), false);
    set.onAttemptEnd(KEY, { ...ref2, key: '10.0.0.3:8080' }, { status: 200 }); // ended after removal: harmless
    set.update([]);
    assert.equal(set.pick(KEY, JKT), undefined);
    set.close();
  });

  it('unsubscribed listeners get nothing; a throwing listener does not break others', () => {
    const { set, events } = setup();
    const other: HealthEvent[] = [];
    const off = set.onHealthEvent((e) => other.push(e));
    set.onHealthEvent(() => {
      throw new Error('boom');
    });
    set.update([three()]);
    off();
    fail(set, '10.0.0.1', 3);
    assert.equal(events.length, 1);
    assert.equal(other.length, 0);
    set.close();
  });
});

describe('createUpstreamSet: retry budget, back-off, metrics', () => {
  it('allows max(3, 20 % of active attempts) concurrent retries', () => {
    const { set } = setup();
    set.update([upstream([ep('10.0.0.1', 'jkt')])]);
    assert.deepEqual([set.tryAcquireRetry(), set.tryAcquireRetry(), set.tryAcquireRetry(), set.tryAcquireRetry()], [true, true, true, false]);
    const ref = { key: '10.0.0.1:8080', address: '10.0.0.1', port: 8080, cluster: 'jkt' };
    for (let i = 0; i < 25; i += 1) set.onAttemptStart(KEY, ref);
    assert.deepEqual([set.tryAcquireRetry(), set.tryAcquireRetry(), set.tryAcquireRetry()], [true, true, false]);
    for (let i = 0; i < 25; i += 1) set.onAttemptEnd(KEY, ref, { status: 200 });
    set.releaseRetry();
    set.releaseRetry();
    assert.equal(set.tryAcquireRetry(), false, 'still 3 in flight at the minimum');
    set.releaseRetry();
    assert.equal(set.tryAcquireRetry(), true);
    set.close();
  });

  it('back-off stays within [25, 250] ms, or from baseMs', () => {
    const { set } = setup();
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      for (let i = 0; i < 50; i += 1) {
        const d = set.backoffMs(attempt);
        assert.ok(d >= 25 && d <= 250, String(d));
        const b = set.backoffMs(attempt, 500);
        assert.ok(b >= 500 && b <= 5000, String(b));
      }
    }
    set.close();
  });

  it('exports endpoint states, ejections and refused retries', async () => {
    const registry = new Registry();
    const { set } = setup({ registry });
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), ep('10.0.0.3', 'jkt', { ready: false, serving: false })])]);
    fail(set, '10.0.0.1', 3);
    for (let i = 0; i < 4; i += 1) set.tryAcquireRetry();
    const text = await registry.metrics();
    assert.match(text, /lintas_upstream_endpoints\{upstream="ServiceImport\/ns\/svc:8080",cluster="jkt",state="ejected"\} 1/);
    assert.match(text, /lintas_upstream_endpoints\{upstream="ServiceImport\/ns\/svc:8080",cluster="jkt",state="healthy"\} 1/);
    assert.match(text, /lintas_upstream_endpoints\{upstream="ServiceImport\/ns\/svc:8080",cluster="jkt",state="not_ready"\} 1/);
    assert.match(text, /lintas_upstream_ejections_total\{upstream="ServiceImport\/ns\/svc:8080",cluster="jkt",reason="consecutive_gateway_errors"\} 1/);
    assert.match(text, /lintas_upstream_retry_budget_exhausted_total 1/);
    set.close();
  });

  it('observe(): each endpoint with its service and state, and HTTP attempts by destination cluster (not TCP)', () => {
    const { set, clock } = setup();
    const tcp = upstream([ep('10.2.0.1', 'tyo')], { key: 'ServiceImport/ns/db:5432', name: 'db', port: 5432, protocol: 'tcp' });
    set.update([upstream([ep('10.0.0.1', 'jkt'), ep('10.0.0.2', 'jkt'), ep('10.1.0.1', 'sgp', { ready: false, serving: false })]), tcp]);
    fail(set, '10.0.0.1', 5);
    const sgp = { key: '10.1.0.1:8080', address: '10.1.0.1', port: 8080, cluster: 'sgp' };
    set.onAttemptStart(KEY, sgp);
    set.onAttemptEnd(KEY, sgp, { status: 200 });
    const db = { key: '10.2.0.1:5432', address: '10.2.0.1', port: 5432, cluster: 'tyo' };
    set.onAttemptStart(tcp.key, db);
    set.onAttemptEnd(tcp.key, db, {});
    const seen = set.observe();
    assert.deepEqual(
      seen.endpoints.filter((e) => e.name === 'svc').map((e) => [e.kind, e.namespace, e.address, e.port, e.cluster, e.state]),
      [
        ['ServiceImport', 'ns', '10.0.0.1', 8080, 'jkt', 'ejected'],
        ['ServiceImport', 'ns', '10.0.0.2', 8080, 'jkt', 'healthy'],
        ['ServiceImport', 'ns', '10.1.0.1', 8080, 'sgp', 'not_ready'],
      ],
    );
    assert.deepEqual(seen.attemptsByCluster, { jkt: 5, sgp: 1 });
    clock.advance(31_000);
    assert.equal(set.observe().endpoints[0]?.state, 'healthy', 'an ejection that ended is not reported');
    set.close();
  });
});

describe('createUpstreamSet: connect failures on real sockets', () => {
  it('a dead endpoint stops getting traffic after a few refused connections', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const live = (server.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const dead = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const set = createUpstreamSet({ log: silentLogger, random: seededRandom(11), healthCheck: { enabled: false } });
    set.update([upstream([ep('127.0.0.1', 'jkt', { port: live }), ep('127.0.0.1', 'jkt', { port: dead })])]);
    const deadKey = `127.0.0.1:${String(dead)}`;
    const attempts = new Map<string, number>();
    const ok: boolean[] = [];
    const one = (ref: EndpointRef): Promise<AttemptOutcome> =>
      new Promise((resolve) => {
        const req = get({ host: ref.address, port: ref.port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        });
        req.on('error', () => resolve({ error: 'connect' }));
      });
    const request = async (): Promise<void> => {
      const tried = new Set<string>();
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const ref = set.pick(KEY, { ...JKT, exclude: tried });
        if (ref === undefined) break;
        tried.add(ref.key);
        attempts.set(ref.key, (attempts.get(ref.key) ?? 0) + 1);
        set.onAttemptStart(KEY, ref);
        const outcome = await one(ref);
        set.onAttemptEnd(KEY, ref, outcome);
        if (outcome.status === 200) {
          ok.push(true);
          return;
        }
      }
      ok.push(false);
    };
    try {
      const concurrency = 4;
      for (let round = 0; round < 15; round += 1) await Promise.all(Array.from({ length: concurrency }, request));
      assert.equal(ok.filter(Boolean).length, 60, 'every request succeeds (retried to the live endpoint)');
      const deadAttempts = attempts.get(deadKey) ?? 0;
      assert.ok(deadAttempts >= 3 && deadAttempts <= 3 + concurrency, `dead endpoint attempts: ${String(deadAttempts)}`);
      assert.equal(set.explain(KEY, JKT)?.endpoints.find((e) => e.key === deadKey)?.ejected, true);
    } finally {
      set.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('createUpstreamSet: a rebuilt upstream applied in place (issue 14 item 5)', () => {
  it('a readiness flip in a rebuilt upstream takes effect, and an ejected endpoint that did not change stays ejected', () => {
    const { set } = setup();
    // Six endpoints: with one ejected and one not ready, four of six are healthy (no panic routing).
    const eps = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'].map((a) => ep(a, 'jkt'));
    const first = upstream(eps, { outlierDetection: { consecutive5xx: 5, consecutiveGatewayErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 300_000, maxEjectionPercent: 100 } });
    set.update([first]);
    fail(set, '10.0.0.1', 1);
    assert.equal(set.explain(KEY, JKT)?.endpoints.find((e) => e.key === '10.0.0.1:8080')?.ejected, true);
    // As the translator rebuilds it: unchanged endpoints are the same objects, the flipped one is new.
    set.update([{ ...first, endpoints: eps.map((e, i) => (i === 2 ? { ...e, ready: false, serving: false } : e)) }]);
    assert.deepEqual([...tally(set, 400).keys()].sort(), ['10.0.0.2:8080', '10.0.0.4:8080', '10.0.0.5:8080', '10.0.0.6:8080'], 'the ejected one stays out, the not-ready one is out');
    set.update([first]);
    assert.deepEqual([...tally(set, 400).keys()].sort(), ['10.0.0.2:8080', '10.0.0.3:8080', '10.0.0.4:8080', '10.0.0.5:8080', '10.0.0.6:8080'], 'ready again: back in (no health checks configured)');
    set.close();
  });

  it('an endpoint replaced at the same position by another address is a new endpoint, not the old one', () => {
    const { set } = setup();
    const eps = ['10.0.0.1', '10.0.0.2'].map((a) => ep(a, 'jkt'));
    set.update([upstream(eps)]);
    fail(set, '10.0.0.2', 1);
    set.update([upstream([eps[0] as (typeof eps)[number], ep('10.0.0.9', 'jkt')])]);
    const view = set.explain(KEY, JKT)?.endpoints.map((e) => [e.key, e.ejected ?? false]);
    assert.deepEqual(view, [['10.0.0.1:8080', false], ['10.0.0.9:8080', false]]);
    set.close();
  });
});
