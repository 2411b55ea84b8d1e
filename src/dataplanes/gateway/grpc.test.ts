import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeGrpcMessage, grpcStatusForHttp, grpcStatusIn, isGrpcContentType, relayedTrailers } from './grpc.ts';

describe('gRPC helpers', () => {
  it('recognises gRPC content types only', () => {
    for (const ct of ['application/grpc', 'application/grpc+proto', 'Application/GRPC+json', 'application/grpc; charset=utf-8']) assert.equal(isGrpcContentType(ct), true, ct);
    for (const ct of [undefined, 'application/json', 'application/grpc-web', 'application/grpc-web+proto', 'text/plain']) assert.equal(isGrpcContentType(ct), false, String(ct));
  });
  it("maps the gateway's HTTP answers to gRPC codes (gRPC's mapping)", () => {
    const table: [number, number][] = [[404, 12], [503, 14], [502, 14], [504, 14], [429, 14], [400, 13], [401, 16], [403, 7], [500, 2], [200, 0]];
    for (const [http, grpc] of table) assert.equal(grpcStatusForHttp(http), grpc, String(http));
  });
  it('percent-encodes grpc-message outside printable ASCII and %', () => {
    assert.equal(encodeGrpcMessage('no healthy upstream'), 'no healthy upstream');
    assert.equal(encodeGrpcMessage('100% ünicode\n'), '100%25 %C3%BCnicode%0A');
  });
  it('reads grpc-status from a header object or a flat list, ignoring junk', () => {
    assert.equal(grpcStatusIn({ 'grpc-status': '14' }), 14);
    assert.equal(grpcStatusIn(['Content-Type', 'application/grpc', 'Grpc-Status', '5']), 5);
    assert.equal(grpcStatusIn({ 'grpc-status': 'x' }), undefined);
    assert.equal(grpcStatusIn({}), undefined);
  });
  it('relays trailers without hop-by-hop or pseudo fields', () => {
    assert.deepEqual(relayedTrailers({ 'grpc-status': '0', ':status': '200', connection: 'close', 'X-Trailer': 'a' }), { 'grpc-status': '0', 'x-trailer': 'a' });
    assert.equal(relayedTrailers({}), undefined);
  });
});
