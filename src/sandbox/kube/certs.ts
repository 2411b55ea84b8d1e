/**
 * Certificates made at run time with the `openssl` CLI (node:crypto makes keys, not X.509
 * certificates): the throwaway CA and serving certificates of the sandbox's kube-apiservers
 * (`lintas up --kube`) and of the tests. Every key is generated in a temp dir per call and never
 * written into the repository.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its private key, PEM. */
export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

/** Why TLS tests cannot run here (a skip reason), or undefined when `openssl` is available. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the openssl CLI is not installed (Debian package openssl)';
  }
}

function inTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-test-cert-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const openssl = (dir: string, args: readonly string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** Options of the certificate makers. */
export interface CertOptions {
  /** Validity in days from now (default 30). */
  readonly days?: number;
  /** The subject CN (default the first DNS name). */
  readonly cn?: string;
  /** URI subjectAltNames (e.g. a SPIFFE ID), signed leaves only. */
  readonly uris?: readonly string[];
  /** IP addresses to name in the subjectAltName besides the DNS names (a server reached by address, such as a test kube-apiserver). */
  readonly ips?: readonly string[];
}

/** A self-signed P-256 certificate for `dnsNames` (like the conformance suite's `MustCreateSelfSignedCertSecret`). */
export function selfSigned(dnsNames: readonly string[], options: CertOptions = {}): TestCert {
  return inTemp((dir) => {
    const san = dnsNames.map((n) => `DNS:${n}`).join(',');
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', String(options.days ?? 30), '-subj', `/CN=${options.cn ?? dnsNames[0] ?? 'test'}`, ...(san ? ['-addext', `subjectAltName=${san}`] : [])]);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}

/** A CA certificate (self-signed, CA:true) to sign leaves with. */
export function testCa(cn = 'lintas test CA'): TestCert {
  return inTemp((dir) => {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}

/** A leaf certificate for `dnsNames` signed by `ca`. */
export function signedBy(ca: TestCert, dnsNames: readonly string[], options: CertOptions = {}): TestCert {
  return inTemp((dir) => {
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(join(dir, 'ca.key'), ca.key);
    const sans = [...dnsNames.map((n) => `DNS:${n}`), ...(options.uris ?? []).map((u) => `URI:${u}`), ...(options.ips ?? []).map((ip) => `IP:${ip}`)];
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${sans.join(',')}\nbasicConstraints=CA:FALSE\n`);
    openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'req.pem', '-subj', `/CN=${options.cn ?? dnsNames[0] ?? 'test'}`]);
    openssl(dir, ['x509', '-req', '-in', 'req.pem', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', String(options.days ?? 30), '-extfile', 'ext.cnf']);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}
