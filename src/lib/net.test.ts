import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatCIDR,
  formatIP,
  nthAddress,
  parseCIDR,
  parseIP,
  type ParsedCIDR,
} from './net.ts';

function cidr(s: string): ParsedCIDR {
  const c = parseCIDR(s);
  assert.ok(c, `fixture ${s} must parse`);
  return c;
}

describe('parseIP', () => {
  const valid: [string, 4 | 6, bigint][] = [
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['10.0.0.1', 4, 0x0a000001n],
    ['192.168.100.200', 4, 0xc0a864c8n],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['1::', 6, 1n << 112n],
    ['2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['2001:DB8:0:0:0:0:0:1', 6, 0x20010db8000000000000000000000001n],
    ['0001:0db8::', 6, 0x00010db8000000000000000000000000n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
    ['1:2:3:4:5:6::', 6, 0x00010002000300040005000600000000n],
    ['::ffff:1.2.3.4', 6, 0xffff01020304n],
    ['::1.2.3.4', 6, 0x01020304n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x00010002000300040005000601020304n],
    ['1:2:3:4:5::1.2.3.4', 6, 0x00010002000300040005000001020304n],
    // 45 characters: the longest possible valid textual address.
    ['ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 6, (1n << 128n) - 1n],
  ];
  for (const [input, family, value] of valid) {
    it(`accepts ${input}`, () => {
      assert.deepEqual(parseIP(input), { family, value });
    });
  }

  const invalid = [
    '',
    '010.1.1.1', // leading zero
    '1.1.1.01',
    '00.1.1.1',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '+1.2.3.4',
    '1.2.3.0x4',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4::5:6:7:8', // "::" must stand for at least one group
    '1::2::3',
    ':::',
    ':1::',
    '1:',
    ':1',
    '12345::',
    'g::',
    'fe80::1%eth0',
    '[::1]',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    '::1.2.3.4:5',
    ':1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:6::1.2.3.4',
    '1.2.3.4/32',
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseIP(input), undefined);
    });
  }
});

describe('formatIP', () => {
  const cases: [string, string][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // tie: first run wins
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins over earlier
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // single zero not compressed
    ['0001:0db8:000a::', '1:db8:a::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::102:304'], // deprecated IPv4-compatible form is not special
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want}`, () => {
      const ip = parseIP(input);
      assert.ok(ip);
      assert.equal(formatIP(ip), want);
    });
  }

  it('throws on out-of-range hand-built values', () => {
    assert.throws(() => formatIP({ family: 4, value: 1n << 32n }), RangeError);
    assert.throws(() => formatIP({ family: 6, value: -1n }), RangeError);
  });
});

describe('parseCIDR', () => {
  const valid: [string, ParsedCIDR][] = [
    ['10.0.0.0/8', { family: 4, network: 0x0a000000n, prefix: 8, hostBitsSet: false }],
    ['10.0.0.1/24', { family: 4, network: 0x0a000000n, prefix: 24, hostBitsSet: true }],
    ['0.0.0.0/0', { family: 4, network: 0n, prefix: 0, hostBitsSet: false }],
    ['1.2.3.4/0', { family: 4, network: 0n, prefix: 0, hostBitsSet: true }],
    ['1.2.3.4/32', { family: 4, network: 0x01020304n, prefix: 32, hostBitsSet: false }],
    ['2001:db8::/32', { family: 6, network: 0x20010db8n << 96n, prefix: 32, hostBitsSet: false }],
    ['2001:db8::1/64', { family: 6, network: 0x20010db8n << 96n, prefix: 64, hostBitsSet: true }],
    ['::1/128', { family: 6, network: 1n, prefix: 128, hostBitsSet: false }],
  ];
  for (const [input, want] of valid) {
    it(`accepts ${input}`, () => {
      assert.deepEqual(parseCIDR(input), want);
    });
  }

  const invalid = [
    '10.0.0.0',
    '1.2.3.4/33',
    '::/129',
    '10.0.0.0/08',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '010.0.0.0/8',
    '/8',
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseCIDR(input), undefined);
    });
  }
});

describe('cidrsOverlap', () => {
  const cases: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.0.0/24', '10.0.0.0/24', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['192.168.0.0/24', '192.168.1.0/24', false],
    ['10.0.0.0/8', '::/0', false], // different families never overlap
    ['::ffff:10.0.0.0/104', '10.0.0.0/8', false],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['2001:db8::/48', '2001:db8:1::/48', false],
  ];
  for (const [a, b, want] of cases) {
    it(`${a} vs ${b} -> ${want}`, () => {
      assert.equal(cidrsOverlap(cidr(a), cidr(b)), want);
    });
  }
});

describe('cidrContains', () => {
  const cases: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['10.0.0.1/24', '10.0.0.200', true], // host bits in the CIDR are ignored
    ['0.0.0.0/0', '1.2.3.4', true],
    ['1.2.3.4/32', '1.2.3.4', true],
    ['1.2.3.4/32', '1.2.3.5', false],
    ['::/0', '1.2.3.4', false],
    ['0.0.0.0/0', '::1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::', false],
  ];
  for (const [c, ip, want] of cases) {
    it(`${c} contains ${ip} -> ${want}`, () => {
      const addr = parseIP(ip);
      assert.ok(addr);
      assert.equal(cidrContains(cidr(c), addr), want);
    });
  }
});

describe('cidrSize / nthAddress / formatCIDR', () => {
  const sizes: [string, bigint][] = [
    ['10.0.0.0/8', 1n << 24n],
    ['1.2.3.4/32', 1n],
    ['0.0.0.0/0', 1n << 32n],
    ['::/0', 1n << 128n],
    ['2001:db8::/64', 1n << 64n],
  ];
  for (const [c, want] of sizes) {
    it(`cidrSize(${c}) = ${want}`, () => {
      assert.equal(cidrSize(cidr(c)), want);
    });
  }

  const nth: [string, bigint, string | undefined][] = [
    ['10.96.0.0/12', 0n, '10.96.0.0'],
    ['10.96.0.0/12', 1n, '10.96.0.1'],
    ['10.96.0.0/12', 10n, '10.96.0.10'],
    ['10.96.0.0/12', (1n << 20n) - 1n, '10.111.255.255'],
    ['10.96.0.0/12', 1n << 20n, undefined],
    ['10.96.0.0/12', -1n, undefined],
    ['10.0.0.7/24', 5n, '10.0.0.5'], // counts from the masked network
    ['fd00::/108', 10n, 'fd00::a'],
    ['fd00::/127', 2n, undefined],
  ];
  for (const [c, n, want] of nth) {
    it(`nthAddress(${c}, ${n}) = ${want}`, () => {
      const ip = nthAddress(cidr(c), n);
      assert.equal(ip === undefined ? undefined : formatIP(ip), want);
    });
  }

  const formats: [string, string][] = [
    ['10.0.0.1/24', '10.0.0.0/24'],
    ['2001:DB8:0::1/32', '2001:db8::/32'],
    ['::ffff:10.1.2.3/120', '::ffff:10.1.2.0/120'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ];
  for (const [input, want] of formats) {
    it(`formatCIDR(${input}) = ${want}`, () => {
      assert.equal(formatCIDR(cidr(input)), want);
    });
  }
});
