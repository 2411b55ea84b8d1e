/**
 * Test helper shared by the GSLB end-to-end tests and bench/gslb: a real recursive resolver
 * nobody here wrote — Debian's `unbound` — run unprivileged in the foreground on a free
 * loopback port, in its own temp directory and config, with stub zones pointing at Lintas's
 * DNS instances: no root trust anchor (no validator module), no remote control, no syslog.
 * With `clientSubnet` it runs the `subnetcache` module and forwards EDNS Client Subnet
 * (the client's own, or its source address as a /24). Also a small UDP query function.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';
import { freeTcpUdpPort } from '../bench/lib/procs.ts';
import { waitFor } from './wait.ts';

/** One stub zone: its name and the `address@port` of each authoritative server (Lintas DNS instances). */
export interface StubZone {
  readonly zone: string;
  readonly servers: readonly string[];
}

/** Options of {@link startUnbound}. */
export interface UnboundOptions {
  /** A directory of its own (config, working directory). */
  readonly dir: string;
  readonly stubs: readonly StubZone[];
  /** Forward EDNS Client Subnet to the stubs (module subnetcache). */
  readonly clientSubnet?: boolean;
}

/** A running unbound. */
export interface Unbound {
  readonly port: number;
  /** Its stderr log so far. */
  log(): string;
  close(): Promise<void>;
}

/** The unbound binary, or undefined when it is not installed (`.ci/run` installs the Debian package). */
export function unboundPath(): string | undefined {
  return ['/usr/sbin/unbound', '/usr/bin/unbound', '/usr/local/sbin/unbound'].find((p) => existsSync(p));
}

/** The config text. Exported for the bench's report. */
export function unboundConfig(dir: string, port: number, options: UnboundOptions): string {
  const lines = [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${String(port)}`,
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 1',
    '  do-ip6: no',
    '  num-threads: 1',
    '  so-reuseport: no',
    '  outgoing-range: 64',
    '  access-control: 127.0.0.0/8 allow',
    // The stubs live on loopback; unbound refuses to query 127/8 otherwise.
    '  do-not-query-localhost: no',
    // Plain defaults for caching: what a resolver in the field does with our TTLs.
    '  qname-minimisation: no',
    '  prefetch: no',
    '  serve-expired: no',
    // No validator: example zones are unsigned and no root anchor is configured.
    `  module-config: "${options.clientSubnet === true ? 'subnetcache iterator' : 'iterator'}"`,
    ...(options.clientSubnet === true ? ['  send-client-subnet: 127.0.0.1', '  client-subnet-always-forward: yes', '  max-client-subnet-ipv4: 24'] : []),
    ...options.stubs.flatMap((s) => ['stub-zone:', `  name: "${s.zone}"`, ...s.servers.map((a) => `  stub-addr: ${a}`)]),
    'remote-control:',
    '  control-enable: no',
    '',
  ];
  return lines.join('\n');
}

/** Starts unbound; resolves once it serves. */
export async function startUnbound(options: UnboundOptions): Promise<Unbound> {
  const bin = unboundPath();
  if (bin === undefined) throw new Error('unbound is not installed: apt-get install unbound (.ci/run installs it)');
  const port = await freeTcpUdpPort();
  const conf = join(options.dir, 'unbound.conf');
  writeFileSync(conf, unboundConfig(options.dir, port, options));
  let output = '';
  const child: ChildProcess = spawn(bin, ['-d', '-c', conf], { cwd: options.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitFor('unbound to start', () => {
      if (child.exitCode !== null) throw new Error(`unbound exited ${String(child.exitCode)}: ${output}`);
      return output.includes('start of service') ? true : undefined;
    }, 10_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { port, log: () => output, close };
}

/** Options of {@link ask}. */
export interface AskOptions {
  /** An EDNS Client Subnet to send, e.g. `10.2.0.0/16`. */
  readonly subnet?: string;
  readonly timeoutMs?: number;
}

/** One query over UDP to 127.0.0.1:port (RD set, EDNS on); resolves with the decoded reply. */
export function ask(port: number, name: string, type: RecordType = 'A', options: AskOptions = {}): Promise<DecodedPacket & { rcode: string }> {
  const ecs = options.subnet === undefined ? [] : [ecsOption(options.subnet)];
  const msg = dnsPacket.encode({
    type: 'query',
    id: Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: ecs }],
  });
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from 127.0.0.1:${String(port)} for ${name} ${type}`));
    }, options.timeoutMs ?? 3000);
    socket.once('message', (raw) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(raw) as DecodedPacket & { rcode: string });
    });
    socket.send(msg, port, '127.0.0.1');
  });
}

function ecsOption(subnet: string): { code: 8; family: number; sourcePrefixLength: number; scopePrefixLength: number; ip: string } {
  const [ip = '', prefix = '32'] = subnet.split('/');
  return { code: 8, family: ip.includes(':') ? 2 : 1, sourcePrefixLength: Number(prefix), scopePrefixLength: 0, ip };
}

/** The A/AAAA data of a reply's answer section, sorted. */
export function addressesOf(p: DecodedPacket): string[] {
  return (p.answers ?? []).flatMap((a) => ((a.type === 'A' || a.type === 'AAAA') && 'data' in a ? [String(a.data)] : [])).sort();
}
