/**
 * Test helper: real HTTPS and HTTP/2 clients (node:https, node:http2, node:tls)
 * that report what the gateway negotiated: status, body, ALPN protocol and the
 * SHA-256 fingerprint of the certificate it presented.
 * @module
 */
import http2 from 'node:http2';
import https from 'node:https';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';

/** One answer over TLS. */
export interface TlsReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The JSON body, or `{}`. */
  readonly body: Record<string, unknown>;
  readonly alpn: string | false | null;
  readonly fingerprint: string;
}

/** Options of {@link tlsRequest}. */
export interface TlsRequestOptions {
  readonly address: string;
  readonly port: number;
  /** SNI (omit: none, as a client dialling an address sends). */
  readonly servername?: string;
  /** The Host / :authority (default the servername). */
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Trusted CA PEM (the chain is verified; the name check is left to the test). */
  readonly ca: string | readonly string[];
  /** `h2` speaks HTTP/2 (ALPN h2 only); default HTTP/1.1. */
  readonly protocol?: 'http/1.1' | 'h2';
  /** An existing HTTP/2 session to send on (protocol h2). */
  readonly session?: http2.ClientHttp2Session;
  /** A keep-alive agent (protocol http/1.1; the certificate must then name the servername). */
  readonly agent?: https.Agent;
}

/** The chain is verified; names are the tests' business (one function, so that keep-alive agents can reuse sockets). */
const noNameCheck = (): undefined => undefined;

const parse = (text: string): Record<string, unknown> => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** Opens an HTTP/2 session to the gateway (TLS, ALPN h2). */
export function h2Session(o: Pick<TlsRequestOptions, 'address' | 'port' | 'servername' | 'ca'>): http2.ClientHttp2Session {
  return http2.connect(`https://${o.address}:${String(o.port)}`, { ...(o.servername !== undefined ? { servername: o.servername } : {}), ca: o.ca as string | string[], checkServerIdentity: noNameCheck });
}

/** Sends one request over TLS and reads the whole answer. */
export function tlsRequest(o: TlsRequestOptions): Promise<TlsReply> {
  const host = o.host ?? o.servername ?? o.address;
  if (o.protocol === 'h2') {
    return new Promise((resolve, reject) => {
      const session = o.session ?? h2Session(o);
      const done = (): void => {
        if (o.session === undefined) session.close();
      };
      session.on('error', reject);
      const req = session.request({ ':method': o.method ?? 'GET', ':path': o.path ?? '/', ':authority': host, ...o.headers }, { endStream: o.body === undefined });
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      let text = '';
      req.on('response', (h) => {
        status = Number(h[':status']);
        headers = h as Record<string, string | string[] | undefined>;
      });
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const socket = session.socket as TLSSocket;
        const cert = socket.getPeerCertificate() as PeerCertificate;
        resolve({ status, headers, text, body: parse(text), alpn: socket.alpnProtocol, fingerprint: cert.fingerprint256 });
        done();
      });
      req.on('error', (e) => {
        done();
        reject(e);
      });
      if (o.body !== undefined) req.end(o.body);
    });
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: o.address,
        port: o.port,
        method: o.method ?? 'GET',
        path: o.path ?? '/',
        headers: { host, ...o.headers, ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}) },
        ...(o.servername !== undefined ? { servername: o.servername } : {}),
        ca: o.ca as string | string[],
        // node:https never reuses a keep-alive socket of a request with its own checkServerIdentity: with an agent the name is checked too.
        ...(o.agent === undefined ? { checkServerIdentity: noNameCheck } : {}),
        // Passed through to tls.connect (not in node:https' option types).
        ALPNProtocols: ['http/1.1'],
        agent: o.agent ?? false,
      } as https.RequestOptions,
      (res) => {
        let text = '';
        // Read now: a keep-alive agent takes the socket back once the response ends.
        const socket = res.socket as TLSSocket;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text), alpn: socket.alpnProtocol, fingerprint: socket.getPeerCertificate().fingerprint256 });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Only the handshake: the ALPN protocol chosen and the certificate presented (or the handshake error). */
export function tlsHandshake(o: { address: string; port: number; servername?: string; alpn: readonly string[]; ca: string | readonly string[] }): Promise<{ alpn: string | false | null; fingerprint: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: o.address, port: o.port, ...(o.servername !== undefined ? { servername: o.servername } : {}), ALPNProtocols: [...o.alpn], ca: o.ca as string | string[], checkServerIdentity: noNameCheck }, () => {
      resolve({ alpn: socket.alpnProtocol, fingerprint: socket.getPeerCertificate().fingerprint256 });
      socket.end();
    });
    socket.on('error', (e) => resolve({ error: e.message }));
  });
}
