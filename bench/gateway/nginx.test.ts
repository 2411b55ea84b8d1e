import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAddresses } from './fleet.ts';
import { ACCESS_LOG_FIELDS } from '../../src/dataplanes/index.ts';
import { JSON_LOG_FORMAT, KEEPALIVE_REQUESTS, ORIGIN_STATUS_PATH, originConfig, parseStubStatus, proxyConfig, UPSTREAM_KEEPALIVE } from './nginx.ts';

function lines(conf: string, re: RegExp): string[] {
  return conf.split('\n').filter((l) => re.test(l)).map((l) => l.trim());
}

test('the origin answers "ok\\n" on every address at one port, from its own prefix', () => {
  const conf = originConfig({ prefix: '/tmp/o', addresses: originAddresses(100), port: 9000 });
  const listens = lines(conf, /^\s*listen /);
  assert.equal(listens.length, 100);
  assert.equal(listens[0], 'listen 127.77.0.1:9000;');
  assert.equal(listens[99], 'listen 127.77.0.100:9000;');
  assert.deepEqual(lines(conf, /return 200/), ['return 200 "ok\\n";']);
  assert.deepEqual(lines(conf, /stub_status|location = /), [`location = ${ORIGIN_STATUS_PATH} {`, 'stub_status;']);
  assert.deepEqual(lines(conf, /^\s*(daemon|worker_processes|pid|error_log|access_log) /), [
    'daemon off;',
    'worker_processes 1;',
    'pid /tmp/o/nginx.pid;',
    'error_log /tmp/o/error.log warn;',
    'access_log off;',
  ]);
  assert.ok(lines(conf, /_temp_path /).every((l) => l.includes(' /tmp/o/')));
  assert.equal(lines(conf, /^user /).length, 0);
  assert.throws(() => originConfig({ prefix: '/tmp/o', addresses: [], port: 1 }), /at least one address/);
});

test('the single-route proxy: one worker, keepalive 64 over HTTP/1.1, one location', () => {
  const conf = proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 8000 }, upstreams: ['127.77.0.1:9000'], routes: 1, user: { user: 'root', group: 'root' } });
  assert.deepEqual(lines(conf, /^user /), ['user root root;']);
  assert.deepEqual(lines(conf, /^worker_processes /), ['worker_processes 1;']);
  assert.deepEqual(lines(conf, /^\s*server 127/), ['server 127.77.0.1:9000;']);
  assert.deepEqual(lines(conf, /^\s*keepalive /), [`keepalive ${UPSTREAM_KEEPALIVE};`]);
  assert.equal(lines(conf, new RegExp(`keepalive_requests ${KEEPALIVE_REQUESTS};`)).length, 2, 'client and upstream side');
  assert.deepEqual(lines(conf, /^\s*location /), ['location / {']);
  assert.deepEqual(lines(conf, /proxy_http_version|Connection|proxy_pass/), ['proxy_pass http://origin;', 'proxy_http_version 1.1;', 'proxy_set_header Connection "";']);
  assert.deepEqual(lines(conf, /access_log/), ['access_log off;']);
  assert.deepEqual(lines(conf, /^\s*listen /), ['listen 127.0.0.1:8000;']);
});

test('the 50-route proxy has 50 prefix locations over one upstream of 100 servers', () => {
  const conf = proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 8000 }, upstreams: originAddresses(100).map((a) => `${a}:9000`), routes: 50 });
  const locations = lines(conf, /^\s*location /);
  assert.equal(locations.length, 50);
  assert.equal(locations[0], 'location /svc-00/ {');
  assert.equal(locations[49], 'location /svc-49/ {');
  assert.equal(lines(conf, /^\s*server 127\.77/).length, 100);
  assert.equal(lines(conf, /^\s*upstream /).length, 1);
  assert.equal(lines(conf, /proxy_pass http:\/\/origin;/).length, 50);
  const more = proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 8000 }, upstreams: ['127.77.0.1:9000'], routes: 2, keepalive: 1024 });
  assert.deepEqual(lines(more, /^\s*keepalive /), ['keepalive 1024;']);
});

test('parseStubStatus reads the counters nginx prints', () => {
  const page = 'Active connections: 65 \nserver accepts handled requests\n 1234 1234 987654 \nReading: 0 Writing: 1 Waiting: 64 \n';
  assert.deepEqual(parseStubStatus(page), { active: 65, accepts: 1234, handled: 1234, requests: 987654 });
  assert.throws(() => parseStubStatus('ok\n'), /not an nginx stub_status page/);
});

test('values that could break out of a directive are refused', () => {
  assert.throws(() => originConfig({ prefix: '/tmp/a b', addresses: ['127.0.0.1'], port: 1 }), /refusing/);
  assert.throws(() => proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1;', port: 1 }, upstreams: ['x'], routes: 1 }), /refusing/);
  assert.throws(() => proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 1 }, upstreams: [], routes: 1 }), /at least one upstream/);
});

test('the proxy terminates TLS with the given certificate when asked', () => {
  const conf = proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 8443 }, upstreams: ['127.77.0.1:9000'], routes: 1, tls: { certFile: '/tmp/c.pem', keyFile: '/tmp/k.pem' } });
  assert.match(conf, /listen "127\.0\.0\.1":8443 ssl;|listen 127\.0\.0\.1:8443 ssl;/);
  assert.match(conf, /ssl_certificate "?\/tmp\/c\.pem"?;/);
  assert.match(conf, /ssl_certificate_key "?\/tmp\/k\.pem"?;/);
});

test('the proxy with N workers and a JSON access log: worker_processes N, Lintas\' fields, escaped as JSON', () => {
  const conf = proxyConfig({ prefix: '/tmp/p', listen: { host: '127.0.0.1', port: 8000 }, upstreams: ['127.77.0.1:9000'], routes: 1, workers: 2, accessLog: '/tmp/p/access.log' });
  assert.deepEqual(lines(conf, /^worker_processes /), ['worker_processes 2;']);
  assert.deepEqual(lines(conf, /^\s*access_log /), ['access_log /tmp/p/access.log lintas_json buffer=64k flush=1s;']);
  assert.equal(lines(conf, /^\s*log_format lintas_json escape=json '/).length, 1);
  assert.deepEqual(lines(conf, /^\s*listen /), ['listen 127.0.0.1:8000 reuseport;'], 'a socket per worker, as Lintas\' workers');
  // A line as nginx would write it: every variable replaced by a value of its kind.
  const line = JSON_LOG_FORMAT.replace(/\$status|\$request_time/g, '1').replace(/\$[a-z0-9_]+/g, 'x');
  assert.deepEqual(Object.keys(JSON.parse(line) as object), [...ACCESS_LOG_FIELDS]);
});
