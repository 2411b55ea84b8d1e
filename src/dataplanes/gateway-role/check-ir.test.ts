/** Tests of the admission check a gateway runs on every config version it receives. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend, casesPolicy, endpoint, listener, rule, upstream, vhost } from '../gateway/test-kit.ts';
import type { GatewayIR } from '../../ir/index.ts';
import { checkGatewayIR } from './check-ir.ts';

const good = (): GatewayIR => ({
  listeners: [listener('127.0.0.1:0', [vhost('*', [rule('r', 0, { backends: [backend('web')], policy: 'ns/cases' }, { mirrors: [{ upstream: 'shadow', percent: 10 }] })])])],
  upstreams: [upstream('shadow', []), upstream('web', [endpoint(8080)], { policy: 'ns/cases' })],
  tcpListeners: [{ key: '127.250.0.1:5432', address: '127.250.0.1', port: 5432, serviceImport: 'ns/db', upstream: 'web', entryBySource: [] }],
  policies: [casesPolicy({ mirror: { upstream: 'shadow', percent: 5, shadowSafe: false } })],
});

describe('checkGatewayIR', () => {
  it('accepts a consistent IR, and an empty one', () => {
    assert.deepEqual(checkGatewayIR(good()), []);
    assert.deepEqual(checkGatewayIR({ listeners: [], upstreams: [] }), []);
  });

  it('accepts HTTP/2 and re-encrypted upstreams (GRPCRoute backends, BackendTLSPolicy), refuses an unknown protocol or a tls without hostname', () => {
    const ir = good();
    const h2 = { ...upstream('grpc', [endpoint(9000)]), protocol: 'h2c' as const, tls: { policy: 'ns/p', hostname: 'grpc.internal', caCertificates: 'PEM' } };
    assert.deepEqual(checkGatewayIR({ ...ir, upstreams: [...ir.upstreams, h2] }), []);
    assert.deepEqual(checkGatewayIR({ ...ir, upstreams: [...ir.upstreams, { ...h2, protocol: 'h3', tls: { policy: 'ns/p' } }] }), ['.upstreams[2].protocol: must be http, h2c or tcp', '.upstreams[2].tls: must be an object with policy and hostname']);
  });

  it('names every dangling reference with its path', () => {
    const ir = good();
    const broken = { ...ir, upstreams: [], policies: [] };
    assert.deepEqual(checkGatewayIR(broken), [
      '.listeners[0].virtualHosts[0].routes[0].filters.mirrors[0].upstream: no upstream "shadow" in this config',
      '.listeners[0].virtualHosts[0].routes[0].policy: no policy "ns/cases" in this config',
      '.listeners[0].virtualHosts[0].routes[0].backends[0].upstream: no upstream "web" in this config',
      '.tcpListeners[0].upstream: no upstream "web" in this config',
    ]);
    assert.deepEqual(checkGatewayIR({ ...ir, policies: [casesPolicy({ mirror: { upstream: 'nowhere', percent: 5, shadowSafe: false } })] }), ['.policies[0].mirror.upstream: no upstream "nowhere" in this config']);
  });

  it('refuses duplicate listener keys across HTTP and TCP, bad addresses and ports, and a non-object', () => {
    const ir = good();
    const problems = checkGatewayIR({
      ...ir,
      listeners: [...ir.listeners, { ...ir.listeners[0], key: '127.250.0.1:5432', address: 'localhost', port: 70000 }],
      upstreams: [...ir.upstreams, upstream('web', [endpoint(0)])],
    });
    assert.deepEqual(problems, [
      '.upstreams[2].key: duplicate key "web" (also .upstreams[1])',
      '.tcpListeners[0].key: duplicate key "127.250.0.1:5432" (also .listeners[1])',
      '.listeners[1].address: must be an IP address, got "localhost"',
      '.listeners[1].port: must be an integer from 0 to 65535',
      '.upstreams[2].endpoints[0].port: must be an integer from 1 to 65535',
    ]);
    assert.deepEqual(checkGatewayIR('{}'), ['.: the config must be an object with listeners and upstreams']);
    assert.deepEqual(checkGatewayIR({ upstreams: {} }), ['.listeners: is required', '.upstreams: must be a list']);
  });
});
