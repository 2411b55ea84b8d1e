/**
 * The bridges between the machine's own network namespace and the ones `lintas up --kube` makes.
 * Nothing in the machine's namespace ever sends to a private address: a connection to a cluster's
 * pod address is made by an agent process running INSIDE a sandbox namespace (`ip netns exec`), and
 * the two sides talk over Unix sockets, which are files, not network addresses.
 *
 * - A **dialer** agent (in the fabric namespace, where every cluster's link meets) listens on a
 *   Unix socket; each connection starts with one line `HOST PORT\n`, after which the agent pipes
 *   it to that address. Only {@link SANDBOX_RANGE} is dialled. {@link dialAgent} is an `http.Agent`
 *   over it: the control plane's probes and the supervisor's readiness probes use it.
 * - A **relay** agent (in a cluster's namespace) listens on that namespace's `127.0.0.1:PORT` and
 *   pipes each connection to a Unix socket, where `up` pipes it on to its own `127.0.0.1:PORT`: a
 *   `lintas gateway` inside the namespace reaches the control plane's config stream at the same URL.
 *
 * Agents exit when their parent goes away (the IPC channel is their lifeline).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { cidrContains, parseCIDR, parseIP } from '../../lib/index.ts';
import type { ChildCommand } from '../supervisor.ts';

/** The only addresses a dialer connects to: the sandbox's pod ranges (all inside its namespaces). */
export const SANDBOX_RANGE = '10.0.0.0/8';

/** What one agent process does. */
export interface NetnsAgentConfig {
  /** Dialer: listen on this Unix socket, connect each stream to the `HOST PORT` of its first line. */
  readonly dialSocket?: string;
  /** Relay: listen on `127.0.0.1:port` of the namespace, pipe each connection to `socket`. */
  readonly relay?: { readonly port: number; readonly socket: string };
}

const MAX_HEADER = 256;

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function dialer(socketPath: string): Server {
  const range = parseCIDR(SANDBOX_RANGE);
  rmSync(socketPath, { force: true });
  return createServer((client) => {
    let header = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      header = Buffer.concat([header, chunk]);
      const nl = header.indexOf(10);
      if (nl === -1) {
        if (header.length > MAX_HEADER) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const [host = '', portText = ''] = header.subarray(0, nl).toString('utf8').trim().split(' ');
      const ip = parseIP(host);
      const port = Number(portText);
      if (ip === undefined || range === undefined || !cidrContains(range, ip) || !Number.isInteger(port) || port < 1 || port > 65535) {
        client.destroy();
        return;
      }
      const upstream = connect({ host, port });
      const rest = header.subarray(nl + 1);
      if (rest.length > 0) upstream.write(rest);
      pipeBoth(client, upstream);
      client.resume();
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  }).listen(socketPath);
}

function relay(port: number, socketPath: string): Server {
  return createServer((client) => pipeBoth(client, connect(socketPath))).listen(port, '127.0.0.1');
}

/** The agent's main (a child of `up`, started inside a namespace): serves until the parent goes away. */
export async function runNetnsAgent(config: NetnsAgentConfig): Promise<void> {
  const servers = [...(config.dialSocket !== undefined ? [dialer(config.dialSocket)] : []), ...(config.relay !== undefined ? [relay(config.relay.port, config.relay.socket)] : [])];
  await Promise.all(servers.map((s) => (s.listening ? undefined : once(s, 'listening'))));
  process.send?.({ type: 'ready' });
  process.on('disconnect', () => process.exit(0));
}

/** A running agent process. */
export interface NetnsAgent {
  readonly pid: number | undefined;
  /** Resolves when the process exits (for whatever reason). */
  readonly exited: Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts an agent (`command`: inside a namespace, `ip netns exec NETNS …`) and waits until it listens. */
export async function startNetnsAgent(command: ChildCommand, config: NetnsAgentConfig, stderr: number | 'ignore'): Promise<NetnsAgent> {
  const child: ChildProcess = spawn(command.file, [...command.args, JSON.stringify(config)], { stdio: ['ignore', 'ignore', stderr, 'ipc'] });
  const exited = once(child, 'exit');
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') resolve();
    });
    void exited.then(([code, signal]) => reject(new Error(`the network agent (${[command.file, ...command.args].join(' ')}) exited (${String(code ?? signal)})`)));
  });
  await ready;
  return {
    pid: child.pid,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An `http.Agent` whose connections go through a dialer agent's Unix socket: an HTTP request to a
 * pod address from the machine's namespace is made inside the fabric namespace instead.
 */
export function dialAgent(socketPath: string): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (options) => {
    const socket = connect(socketPath);
    socket.write(`${String(options.host ?? '')} ${String(options.port ?? 80)}\n`);
    return socket;
  };
  return agent;
}

/** `up`'s side of the relays: a Unix socket whose connections are piped to `127.0.0.1:port` of this namespace. */
export async function startRelayListener(socketPath: string, port: number): Promise<{ close(): Promise<void> }> {
  rmSync(socketPath, { force: true });
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    pipeBoth(client, connect({ host: '127.0.0.1', port }));
  }).listen(socketPath);
  await once(server, 'listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        // The gateways' config streams never end by themselves.
        for (const s of open) s.destroy();
        server.close(() => resolve());
        rmSync(socketPath, { force: true });
      }),
  };
}
