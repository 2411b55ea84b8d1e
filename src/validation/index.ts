/**
 * Validation: pure checks of decoded objects (schema, placement, references).
 * Imports only `api/` and `lib/`.
 * @module
 */
export { checkFleet, type Locator } from './fleet-checks.ts';
export { clusterOfPath, decodeDocument, type DecodeResult, type DocumentInput } from './decode.ts';
export { compareIssues, formatFieldPath, formatIssue, formatSubject, hasErrors, sortIssues } from './issues.ts';
