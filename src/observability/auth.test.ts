/** Tests of the auth file parser, the bearer-token authenticator and token generation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthFileError, createAuthenticator, gatewayRole, generateToken, hasRole, loadAuthFile, parseAuthFile, type AuthConfig } from './auth.ts';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const GOOD = `tokens:
  - token: "${ALICE}"
    subject: alice
    roles: [operator, operator]
  - token: "${BOB}"
    subject: bob
    roles:
      - approver
      - viewer
`;

/** The error's problems as `line: field: message` strings. */
function problems(text: string): string[] {
  try {
    parseAuthFile(text, 'auth.yaml');
  } catch (error) {
    assert.ok(error instanceof AuthFileError);
    assert.equal(error.code, 'LINTAS_ERR_AUTH_FILE');
    assert.equal(error.file, 'auth.yaml');
    return error.problems.map((p) => [p.line, p.field, p.message].filter((x) => x !== undefined).join(': '));
  }
  assert.fail('expected an AuthFileError');
}

describe('parseAuthFile', () => {
  it('reads tokens, subjects and roles (duplicate roles collapse)', () => {
    assert.deepEqual(parseAuthFile(GOOD, 'auth.yaml'), {
      tokens: [
        { token: ALICE, subject: 'alice', roles: ['operator'] },
        { token: BOB, subject: 'bob', roles: ['approver', 'viewer'] },
      ],
    });
    assert.deepEqual(parseAuthFile('tokens: []\n', 'auth.yaml'), { tokens: [] });
  });

  it('collects every problem with its line and field, and never quotes a token', () => {
    const text = `tokens:
  - token: "${ALICE}"
    subject: alice
    roles: [operator]
  - token: "${ALICE}"
    subject: mallory
    roles: [root, admin]
  - token: ""
    subject: ""
    roles: []
  - token: short-secret
    role: [viewer]
  - token: "has a space in the token"
    subject: carol
    roles: [viewer]
  - just-a-string
extra: 1
`;
    assert.deepEqual(problems(text), [
      '5: .tokens[1].token: duplicate token (same as .tokens[0].token)',
      '7: .tokens[1].roles[0]: unknown role "root" (expected one of viewer, operator, approver, admin, gateway:<cluster>)',
      '8: .tokens[2].token: must not be empty',
      '9: .tokens[2].subject: must not be empty',
      '10: .tokens[2].roles: must name at least one role (viewer, operator, approver, admin, gateway:<cluster>)',
      '12: .tokens[3].role: unknown field (expected token, subject, roles)',
      '11: .tokens[3].token: must be at least 16 characters (got 12); use e.g. 32 random bytes, base64url',
      '11: .tokens[3].subject: is required',
      '11: .tokens[3].roles: is required',
      '13: .tokens[4].token: must be printable ASCII without spaces',
      '16: .tokens[5]: must be a map with token, subject and roles',
      '17: .extra: unknown field (expected only tokens)',
    ].sort(byLine));
    try {
      parseAuthFile(text, 'auth.yaml');
    } catch (error) {
      const message = (error as Error).message;
      assert.match(message, /^invalid auth file auth.yaml:\nauth.yaml:5: \.tokens\[1\]\.token: duplicate token/);
      for (const secret of [ALICE, 'short-secret', 'has a space']) assert.ok(!message.includes(secret), `message leaks ${secret}`);
    }
  });

  it('locates YAML syntax errors and duplicate keys', () => {
    assert.match(problems('tokens:\n  - token: "abc\n')[0] ?? '', /^2: YAML syntax error/);
    assert.match(problems(`tokens:\n  - token: "${ALICE}"\n    token: "${BOB}"\n    subject: a\n    roles: [viewer]\n`)[0] ?? '', /^3: YAML syntax error: .*unique/i);
  });

  it('refuses a file that is not a map with a tokens list', () => {
    assert.deepEqual(problems(''), ['1: an auth file must be a map with a tokens list']);
    assert.deepEqual(problems('- a\n- b\n'), ['1: an auth file must be a map with a tokens list']);
    assert.deepEqual(problems('users: []\n'), ['1: .tokens: is required', '1: .users: unknown field (expected only tokens)']);
    assert.deepEqual(problems('tokens: {}\n'), ['1: .tokens: must be a list']);
  });
});

describe('loadAuthFile', () => {
  it('reads a file, and names unreadable and invalid files by code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-auth-'));
    try {
      writeFileSync(join(dir, 'auth.yaml'), GOOD);
      writeFileSync(join(dir, 'bad.yaml'), 'tokens: [{ token: x, subject: a, roles: [viewer] }]\n');
      assert.equal((await loadAuthFile(join(dir, 'auth.yaml'))).tokens.length, 2);
      await assert.rejects(loadAuthFile(join(dir, 'missing.yaml')), { name: 'AuthFileError', code: 'LINTAS_ERR_AUTH_FILE_UNREADABLE' });
      await assert.rejects(loadAuthFile(dir), { name: 'AuthFileError', code: 'LINTAS_ERR_AUTH_FILE_UNREADABLE' });
      await assert.rejects(loadAuthFile(join(dir, 'bad.yaml')), (error: unknown) => {
        assert.ok(error instanceof AuthFileError);
        assert.equal(error.code, 'LINTAS_ERR_AUTH_FILE');
        assert.equal(error.problems[0]?.file, join(dir, 'bad.yaml'));
        assert.equal(error.problems[0]?.field, '.tokens[0].token');
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createAuthenticator', () => {
  const config: AuthConfig = parseAuthFile(GOOD, 'auth.yaml');
  const auth = createAuthenticator(config);

  it('authenticates exact tokens only', () => {
    assert.equal(auth.readOnly, false);
    assert.deepEqual(auth.authenticate(`Bearer ${ALICE}`), { subject: 'alice', roles: ['operator'] });
    assert.deepEqual(auth.authenticate(`bearer ${BOB}`), { subject: 'bob', roles: ['approver', 'viewer'] });
    const refused = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      ALICE, // no scheme
      `Basic ${ALICE}`,
      `Bearer ${ALICE.slice(0, -1)}`, // a prefix
      `Bearer ${ALICE}x`, // an extension
      `Bearer ${ALICE.toUpperCase()}`,
      `Bearer ${ALICE} ${BOB}`,
      `Bearer ${'a'.repeat(10_000)}`,
    ];
    for (const header of refused) assert.equal(auth.authenticate(header), undefined, `accepted ${String(header).slice(0, 40)}`);
  });

  it('without a config is read-only and authenticates nobody', () => {
    const none = createAuthenticator(undefined);
    assert.equal(none.readOnly, true);
    assert.equal(none.authenticate(`Bearer ${ALICE}`), undefined);
    assert.equal(createAuthenticator({ tokens: [] }).readOnly, false);
  });
});

describe('hasRole', () => {
  it('grants admin every role and every role viewer, nothing else', () => {
    const admin = { subject: 'root', roles: ['admin'] } as const;
    const operator = { subject: 'op', roles: ['operator'] } as const;
    for (const role of ['viewer', 'operator', 'approver', 'admin'] as const) assert.equal(hasRole(admin, role), true);
    assert.equal(hasRole(operator, 'viewer'), true);
    assert.equal(hasRole(operator, 'operator'), true);
    assert.equal(hasRole(operator, 'approver'), false);
    assert.equal(hasRole(operator, 'admin'), false);
    assert.equal(hasRole({ subject: 'nobody', roles: [] }, 'viewer'), false);
  });

  it('gives a gateway token its own cluster\'s role only: not another cluster\'s, not viewer; admin holds every gateway role', () => {
    const gateway = { subject: 'gw-jkt', roles: [gatewayRole('jkt-prod-1')] };
    assert.equal(hasRole(gateway, gatewayRole('jkt-prod-1')), true);
    assert.equal(hasRole(gateway, gatewayRole('sgp-prod-1')), false);
    for (const role of ['viewer', 'operator', 'approver', 'admin'] as const) assert.equal(hasRole(gateway, role), false, role);
    assert.equal(hasRole({ subject: 'root', roles: ['admin'] }, gatewayRole('sgp-prod-1')), true);
    assert.equal(hasRole({ subject: 'op', roles: ['operator'] }, gatewayRole('sgp-prod-1')), false);
  });
});

describe('gateway roles in the auth file', () => {
  it('reads gateway:<cluster> and refuses a role whose cluster is not a DNS-1123 label', () => {
    const ok = parseAuthFile(`tokens:\n  - { token: "${ALICE}", subject: gw-jkt, roles: ["gateway:jkt-prod-1"] }\n`, 'auth.yaml');
    assert.deepEqual(ok.tokens[0]?.roles, ['gateway:jkt-prod-1']);
    assert.deepEqual(problems(`tokens:\n  - token: "${ALICE}"\n    subject: gw\n    roles: ["gateway:", "gateway:JKT_1"]\n`), [
      '4: .tokens[0].roles[0]: unknown role "gateway:" (expected one of viewer, operator, approver, admin, gateway:<cluster>)',
      '4: .tokens[0].roles[1]: unknown role "gateway:JKT_1" (expected one of viewer, operator, approver, admin, gateway:<cluster>)',
    ]);
  });
});

describe('generateToken', () => {
  it('makes distinct 43-character base64url tokens that an auth file accepts', () => {
    const tokens = Array.from({ length: 20 }, generateToken);
    assert.equal(new Set(tokens).size, 20);
    for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const config = parseAuthFile(`tokens:\n  - { token: "${tokens[0]}", subject: local-admin, roles: [admin] }\n`, 'auth.yaml');
    assert.equal(createAuthenticator(config).authenticate(`Bearer ${tokens[0]}`)?.subject, 'local-admin');
  });
});

function byLine(a: string, b: string): number {
  return Number.parseInt(a, 10) - Number.parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0);
}
