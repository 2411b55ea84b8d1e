import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_REPORT, type RemoteDataPlaneReport } from '../ir/index.ts';
import { freshReports, REPORT_MAX_AGE_MS } from './dataplane-reports.ts';

describe('freshReports', () => {
  it('keeps the reports received within the age bound, by the control plane\'s receive time', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const at = (ms: number): RemoteDataPlaneReport => ({ ...EMPTY_REPORT, cluster: `c${String(ms)}`, at: new Date(now - ms).toISOString() });
    assert.deepEqual(freshReports([at(0), at(REPORT_MAX_AGE_MS), at(REPORT_MAX_AGE_MS + 1)], now).map((r) => r.cluster), ['c0', `c${String(REPORT_MAX_AGE_MS)}`]);
  });
});
