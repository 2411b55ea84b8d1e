import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fillPath, runSynthetic } from './synthetic.ts';
import type { HttpAnswer } from './http-client.ts';

describe('fillPath', () => {
  it('leaves a path without templates alone', () => {
    assert.deepEqual(fillPath('/cases', undefined), { path: '/cases' });
  });
  it('fills fields of the previous JSON answer, URL-encoded', () => {
    assert.deepEqual(fillPath('/cases/{{.id}}', '{"id":"JKT-7/a b"}'), { path: '/cases/JKT-7%2Fa%20b' });
    assert.deepEqual(fillPath('/cases/{{ .id }}/notes/{{.n}}', '{"id":12,"n":3}'), { path: '/cases/12/notes/3' });
  });
  it('says which field is missing when it cannot', () => {
    for (const body of [undefined, 'not json', '[1]', '{"id":null}', '{"other":1}']) {
      assert.deepEqual(fillPath('/cases/{{.id}}', body), { error: '/cases/{{.id}} needs .id, which the previous answer does not have' });
    }
  });
});

describe('runSynthetic', () => {
  const endpoint = { address: '10.0.0.1', port: 8080, ready: true };
  it('stops at the first step that does not answer its expected status', async () => {
    const sent: string[] = [];
    const answers: HttpAnswer[] = [{ status: 200, body: '{"id":"x"}' }];
    const run = await runSynthetic({
      endpoint,
      at: '2026-05-01T12:00:00.000Z',
      keyPrefix: 'k',
      steps: [
        { method: 'POST', path: '/cases', expectStatus: 201, body: 'raw' },
        { method: 'GET', path: '/cases/{{.id}}', expectStatus: 200 },
      ],
      send: (call) => {
        sent.push(`${call.method} ${call.path} ${call.headers?.['Idempotency-Key'] ?? ''} ${call.headers?.['content-type'] ?? ''} ${call.body ?? ''}`);
        return Promise.resolve(answers.shift() ?? { error: 'unexpected' });
      },
    });
    assert.deepEqual(sent, ['POST /cases k-1 text/plain; charset=utf-8 raw']);
    assert.deepEqual(run, { at: '2026-05-01T12:00:00.000Z', endpoint: '10.0.0.1:8080', steps: [{ method: 'POST', path: '/cases', expectStatus: 201, status: 200 }] });
  });
  it('records an unfillable template as the run error', async () => {
    const run = await runSynthetic({
      endpoint,
      at: 'T',
      keyPrefix: 'k',
      steps: [
        { method: 'POST', path: '/cases', expectStatus: 201 },
        { method: 'GET', path: '/cases/{{.id}}', expectStatus: 200 },
      ],
      send: () => Promise.resolve({ status: 201, body: '{}' }),
    });
    assert.equal(run.error, 'step 2: /cases/{{.id}} needs .id, which the previous answer does not have');
    assert.equal(run.steps.length, 1);
  });
});
