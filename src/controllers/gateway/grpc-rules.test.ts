import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grpcPathMatch } from './grpc-rules.ts';

describe('grpcPathMatch: a gRPC method match as the path match it amounts to', () => {
  const table = [
    { m: undefined, path: { type: 'PathPrefix', value: '/' } },
    { m: { type: 'Exact' as const, service: 'a.v1.Svc', method: 'Get' }, path: { type: 'Exact', value: '/a.v1.Svc/Get' } },
    { m: { type: 'Exact' as const, service: 'a.v1.Svc' }, path: { type: 'PathPrefix', value: '/a.v1.Svc' } },
    { m: { type: 'Exact' as const, method: 'Get' }, path: { type: 'RegularExpression', value: '/[^/]+/Get' } },
    { m: { type: 'RegularExpression' as const, service: 'a\\.v[0-9]\\.Svc' }, path: { type: 'RegularExpression', value: '/(?:a\\.v[0-9]\\.Svc)/(?:[^/]+)' } },
    { m: { type: 'RegularExpression' as const, method: 'Get.*' }, path: { type: 'RegularExpression', value: '/(?:[^/]+)/(?:Get.*)' } },
  ];
  for (const c of table) {
    it(JSON.stringify(c.m ?? null), () => assert.deepEqual(grpcPathMatch(c.m), c.path));
  }
  it('the regular expressions match the right paths (whole-value, as the data plane anchors them)', () => {
    const re = (v: string): RegExp => new RegExp(`^(?:${v})$`);
    assert.ok(re(grpcPathMatch({ type: 'Exact', method: 'Get' }).value).test('/x.Svc/Get'));
    assert.ok(!re(grpcPathMatch({ type: 'Exact', method: 'Get' }).value).test('/x.Svc/GetAll'));
    assert.ok(re(grpcPathMatch({ type: 'RegularExpression', service: 'a\\.v[0-9]\\.Svc' }).value).test('/a.v2.Svc/Any'));
  });
});
