import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  domainPrefixedPath,
  gatewayHostname,
  httpHeaderName,
  ianaServiceName,
  labelValue,
  qualifiedName,
} from './names.ts';

type Validator = (s: string) => string | undefined;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')";

// Each row: input, and either undefined (valid) or a substring the error must contain.
const table: Record<string, [Validator, [string, string | undefined][]]> = {
  dns1123Label: [
    dns1123Label,
    [
      ['my-name', undefined],
      ['123-abc', undefined],
      ['a', undefined],
      ['a'.repeat(63), undefined],
      ['a'.repeat(64), 'must be no more than 63 characters'],
      ['', LABEL_MSG],
      ['My-Name', LABEL_MSG],
      ['-abc', LABEL_MSG],
      ['abc-', LABEL_MSG],
      ['a.b', LABEL_MSG],
      ['a_b', LABEL_MSG],
    ],
  ],
  dns1123Subdomain: [
    dns1123Subdomain,
    [
      ['example.com', undefined],
      ['a-b.c-d.e', undefined],
      ['1.2.3.4', undefined], // apimachinery does not forbid numeric labels here
      [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, undefined],
      [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, 'must be no more than 253 characters'],
      ['', SUBDOMAIN_MSG],
      ['example..com', SUBDOMAIN_MSG],
      ['.example.com', SUBDOMAIN_MSG],
      ['example.com.', SUBDOMAIN_MSG],
      ['Example.com', SUBDOMAIN_MSG],
      ['a-.com', SUBDOMAIN_MSG],
    ],
  ],
  dns1035Label: [
    dns1035Label,
    [
      ['my-svc', undefined],
      ['abc-123', undefined],
      ['a'.repeat(64), 'must be no more than 63 characters'],
      ['123-abc', 'start with an alphabetic character'],
      ['-abc', 'start with an alphabetic character'],
      ['abc-', "(e.g. 'my-name', or 'abc-123')"],
      ['', 'a DNS-1035 label must consist of'],
    ],
  ],
  qualifiedName: [
    qualifiedName,
    [
      ['app', undefined],
      ['MyName', undefined],
      ['my.name_x-y', undefined],
      ['app.kubernetes.io/name', undefined],
      ['example.com/My_Key', undefined],
      ['a'.repeat(63), undefined],
      [`${'p'.repeat(253)}/${'n'.repeat(63)}`, undefined],
      ['a'.repeat(64), 'name part must be no more than 63 characters'],
      ['', 'name part must be non-empty'],
      ['example.com/', 'name part must be non-empty'],
      ['/name', 'prefix part must be non-empty'],
      ['Example.com/name', 'prefix part a lowercase RFC 1123 subdomain'],
      [`${'p'.repeat(254)}/n`, 'prefix part must be no more than 253 characters'],
      ['a/b/c', "a qualified name must consist of alphanumeric characters, '-', '_' or '.'"],
      ['a/b/c', "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
      ['_name', NAME_PART_MSG],
      ['name.', NAME_PART_MSG],
      ['na me', NAME_PART_MSG],
    ],
  ],
  labelValue: [
    labelValue,
    [
      ['', undefined],
      ['v1.2_beta-3', undefined],
      ['MyValue', undefined],
      ['a'.repeat(63), undefined],
      ['a'.repeat(64), 'must be no more than 63 characters'],
      ['-v', 'a valid label must be an empty string or consist of alphanumeric characters'],
      ['v-', "(e.g. 'MyValue', or 'my_value', or '12345')"],
      ['a/b', 'a valid label must be an empty string'],
      ['a b', 'a valid label must be an empty string'],
    ],
  ],
  ianaServiceName: [
    ianaServiceName,
    [
      ['http', undefined],
      ['http-metrics', undefined],
      ['h2c', undefined],
      ['a'.repeat(15), undefined],
      ['a'.repeat(16), 'must be no more than 15 characters'],
      ['', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['HTTP', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['web_ui', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['8080', 'must contain at least one letter (a-z)'],
      ['1-2', 'must contain at least one letter (a-z)'],
      ['http--alt', 'must not contain consecutive hyphens'],
      ['-http', 'must not begin or end with a hyphen'],
      ['http-', 'must not begin or end with a hyphen'],
    ],
  ],
  gatewayHostname: [
    gatewayHostname,
    [
      ['example.com', undefined],
      ['*.example.com', undefined],
      ['foo', undefined],
      ['*.com', undefined],
      ['1.2.3.4.example', undefined],
      ['1.2.3.4', 'must be a DNS hostname, not an IP address'],
      ['0.0.0.0', 'must be a DNS hostname, not an IP address'],
      ['1.2.3.04', undefined], // not a strict IP, so it is just a numeric hostname
      ['*', "may only use '*' as a whole leading '*.' label"],
      ['*.', "may only use '*' as a whole leading '*.' label"],
      ['foo.*.com', "may only use '*' as a whole leading '*.' label"],
      ['*foo.example.com', "(e.g. 'example.com', or '*.example.com')"],
      ['*.*.example.com', 'a hostname must consist of'],
      ['Example.com', 'a hostname must consist of'],
      ['::1', 'a hostname must consist of'],
      ['', 'a hostname must consist of'],
      ['example.com.', 'a hostname must consist of'],
      [`*.${'a'.repeat(252)}`, 'must be no more than 253 characters'],
      [`*.${'a'.repeat(251)}`, undefined],
    ],
  ],
  httpHeaderName: [
    httpHeaderName,
    [
      ['X-Request-Id', undefined],
      ["!#$%&'*+-.^_`|~", undefined],
      ['a'.repeat(256), undefined],
      ['a'.repeat(257), 'must be no more than 256 characters'],
      ['', 'an HTTP header name must consist of RFC 7230 token characters'],
      ['X Request', 'token characters'],
      ['X-Request:', 'token characters'],
      ['Content-Type"', "(e.g. 'X-Request-Id')"],
      ['(x)', 'token characters'],
    ],
  ],
  domainPrefixedPath: [
    domainPrefixedPath,
    [
      ['example.com/gateway-controller', undefined],
      ['lintas.dev/controller/v1', undefined],
      ["a/A-Z._~%!$&'()*+,;=:", undefined],
      [`a/${'x'.repeat(251)}`, undefined],
      [`a/${'x'.repeat(252)}`, 'must be no more than 253 characters'],
      ['', 'a domain-prefixed path must be'],
      ['example.com', 'a domain-prefixed path must be'],
      ['example.com/', 'a domain-prefixed path must be'],
      ['Example.com/ctl', 'a domain-prefixed path must be'],
      ['/ctl', 'a domain-prefixed path must be'],
      ['example.com/ctl name', "(e.g. 'example.com/gateway-controller')"],
      ['example.com/ctl?x', 'a domain-prefixed path must be'],
    ],
  ],
};

for (const [name, [fn, rows]] of Object.entries(table)) {
  describe(name, () => {
    for (const [input, want] of rows) {
      const label = input.length > 40 ? `${input.slice(0, 20)}…(${input.length} chars)` : JSON.stringify(input);
      it(`${label} -> ${want === undefined ? 'valid' : 'invalid'}`, () => {
        const got = fn(input);
        if (want === undefined) {
          assert.equal(got, undefined);
        } else {
          assert.ok(got !== undefined, `expected an error for ${label}`);
          assert.ok(got.includes(want), `error ${JSON.stringify(got)} should contain ${JSON.stringify(want)}`);
        }
      });
    }
  });
}

describe('message style', () => {
  // apimachinery messages start lower-case and carry no trailing period; the
  // CLI composes them into larger sentences.
  const samples: [Validator, string][] = [
    [dns1123Label, 'A'],
    [dns1123Subdomain, '-'],
    [dns1035Label, '1'],
    [qualifiedName, 'a/b/c'],
    [labelValue, '-'],
    [ianaServiceName, '--'],
    [gatewayHostname, '1.2.3.4'],
    [httpHeaderName, ' '],
    [domainPrefixedPath, 'x'],
  ];
  for (const [fn, input] of samples) {
    it(`${fn.name}(${JSON.stringify(input)}) is lower-case without a trailing period`, () => {
      const msg = fn(input);
      assert.ok(msg !== undefined);
      assert.match(msg, /^[a-z]/);
      assert.doesNotMatch(msg, /\.$/);
    });
  }

  it('dns1123Label gives the exact apimachinery wording', () => {
    assert.equal(dns1123Label('Bad'), LABEL_MSG);
  });
  it('qualifiedName gives the exact name-part wording', () => {
    assert.equal(qualifiedName('x/-bad'), NAME_PART_MSG);
  });
});
