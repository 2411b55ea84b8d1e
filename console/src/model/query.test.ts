import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditQuery, explainQuery, exportFileName, exportQuery, NO_AUDIT_FILTER, pagesFor, servicesQuery, withQuery } from './query.ts';

describe('query building', () => {
  it('leaves out empty fields and encodes values', () => {
    assert.equal(withQuery('/x', { a: '', b: '  ', c: undefined }), '/x');
    assert.equal(withQuery('/x', { q: 'cases/a b&c', n: 0 }), '/x?q=cases%2Fa+b%26c&n=0');
  });

  it('builds services pages from the filter', () => {
    assert.equal(servicesQuery({ q: '', cluster: '' }, 0), '/api/v1/console/services?offset=0&limit=100');
    assert.equal(servicesQuery({ q: ' case ', cluster: 'jkt-prod-1' }, 200, 50), '/api/v1/console/services?q=case&cluster=jkt-prod-1&offset=200&limit=50');
  });

  it('asks only for the pages that hold the visible rows', () => {
    assert.deepEqual(pagesFor(0, 30), [0]);
    assert.deepEqual(pagesFor(95, 105), [0, 100]);
    assert.deepEqual(pagesFor(250, 420), [200, 300, 400]);
    assert.deepEqual(pagesFor(5, 2), []);
  });

  it('sends audit filters and the continuation', () => {
    assert.equal(auditQuery(NO_AUDIT_FILTER), '/api/v1/audit?limit=50');
    assert.equal(
      auditQuery({ target: 'cases/case-writes', actor: 'local-approver', action: 'Approve', since: '1h', until: '2025-01-01T00:00:00Z' }, 42),
      '/api/v1/audit?target=cases%2Fcase-writes&actor=local-approver&action=Approve&since=1h&until=2025-01-01T00%3A00%3A00Z&limit=50&after=42',
    );
    assert.equal(exportQuery(''), '/api/v1/audit/export');
    assert.equal(exportQuery('cases/case-writes'), '/api/v1/audit/export?target=cases%2Fcase-writes');
    assert.equal(exportFileName('cases/case-writes'), 'lintas-evidence-cases_case-writes.json');
  });

  it('builds the route why with an absolute path and an upper-case method', () => {
    assert.equal(explainQuery({ cluster: 'jkt-prod-1', host: 'cases.example.com', path: 'cases/1', method: 'post' }), '/api/v1/explain?cluster=jkt-prod-1&host=cases.example.com&path=%2Fcases%2F1&method=POST');
    assert.equal(explainQuery({ cluster: 'c', host: 'h', path: '', method: '' }), '/api/v1/explain?cluster=c&host=h&path=%2F');
  });
});
