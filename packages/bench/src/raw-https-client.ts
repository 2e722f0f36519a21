/**
 * A minimal HTTP/1.1 client over keep-alive TLS connections, for the load generator of
 * `serving.online`: as autocannon and wrk do, it writes each request as one preformatted buffer
 * and reads the answer with a small parser of its own, instead of node:https's ClientRequest /
 * IncomingMessage machinery — which cost the generator ≈ 0.4–0.7 ms of CPU per request, as much
 * as the guest node it measured, on the same two cores. One request at a time per connection (no
 * pipelining, like an https.Agent with keep-alive); a request waits for a free connection, and
 * new ones are opened up to `maxSockets`.
 *
 * Answers must carry `content-length` (Fastify's JSON answers do); a chunked answer fails the
 * request with an error saying so.
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface RawHttpsOptions {
  /** The server's base URL (`https://host:port`). */
  url: string;
  /** TLS options of each connection (ca, servername, checkServerIdentity, minVersion …). */
  tls: Omit<ConnectionOptions, 'host' | 'port'>;
  /** Connections opened at most. @default 256 */
  maxSockets?: number;
  /** Milliseconds a request may wait for its whole answer once written. @default 30000 */
  timeoutMs?: number;
}

export interface RawAnswer {
  status: number;
  body: Buffer;
}

interface Pending {
  head: Buffer;
  body: Buffer;
  resolve: (a: RawAnswer) => void;
  reject: (err: Error) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the socket is unusable (closed, failed, or the server asked to close). */
  dead = false;

  constructor(
    readonly socket: TLSSocket,
    private readonly timeoutMs: number,
    private readonly onFree: (c: Connection) => void,
    private readonly onDead: (c: Connection, err: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.data(d));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  send(p: Pending): void {
    this.current = p;
    this.timer = setTimeout(
      () => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    this.socket.write(p.body.length ? Buffer.concat([p.head, p.body]) : p.head);
  }

  private data(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const lines = head.split('\r\n');
    const status = Number(lines[0]?.split(' ', 3)[1]);
    let length = -1;
    let close = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'connection' && value.toLowerCase() === 'close') close = true;
      else if (name === 'transfer-encoding')
        return this.fail(new Error(`the server answered with transfer-encoding ${value}`));
    }
    if (!Number.isInteger(status) || length < 0)
      return this.fail(new Error(`the server answered without a status or content-length`));
    const start = end + HEADER_END.length;
    if (this.buf.length < start + length) return;
    if (this.buf.length > start + length)
      return this.fail(new Error('the server sent more than one answer'));
    const body = this.buf.subarray(start, start + length);
    this.buf = Buffer.alloc(0);
    const p = this.current;
    this.current = undefined;
    clearTimeout(this.timer);
    if (close) {
      this.dead = true;
      this.onDead(this, new Error('the server closed the connection'));
      this.socket.end();
    }
    p?.resolve({ status, body });
    if (!close) this.onFree(this);
  }

  private fail(err: Error): void {
    clearTimeout(this.timer);
    const p = this.current;
    this.current = undefined;
    if (!this.dead) {
      this.dead = true;
      this.onDead(this, err);
      this.socket.destroy();
    }
    p?.reject(err);
  }
}

/** A keep-alive pool of raw HTTP/1.1-over-TLS connections to one server. */
export class RawHttpsClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private open = 0;
  private closed = false;
  private readonly host: string;
  private readonly port: number;
  private readonly maxSockets: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: RawHttpsOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'https:') throw new Error(`RawHttpsClient: ${opts.url} is not https`);
    this.host = u.hostname;
    this.port = Number(u.port || 443);
    this.maxSockets = opts.maxSockets ?? 256;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * Sends one request; `headers` are `name: value` lines without the host and content-length
   * (added here). Resolves with the status and body; rejects when the connection fails or the
   * answer does not come within `timeoutMs`.
   */
  request(method: string, path: string, headers: string[], body: Buffer): Promise<RawAnswer> {
    if (this.closed) return Promise.reject(new Error('RawHttpsClient: closed'));
    const head = Buffer.from(
      `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n${headers.map((h) => `${h}\r\n`).join('')}content-length: ${body.length}\r\n\r\n`,
      'latin1',
    );
    return new Promise((resolve, reject) => {
      const p: Pending = { head, body, resolve, reject };
      const c = this.idle.pop();
      if (c) c.send(p);
      else {
        this.queue.push(p);
        if (this.open < this.maxSockets) this.connect();
      }
    });
  }

  private connect(): void {
    this.open++;
    const socket = connect({ ...this.opts.tls, host: this.host, port: this.port });
    const c = new Connection(
      socket,
      this.timeoutMs,
      (free) => this.free(free),
      (dead, err) => {
        this.open--;
        this.all.delete(dead);
        const i = this.idle.indexOf(dead);
        if (i >= 0) this.idle.splice(i, 1);
        // A connection that failed before its handshake fails one waiting request, so that a
        // server that is down does not leave requests waiting for ever.
        if (!connected) this.queue.shift()?.reject(new Error(`could not connect: ${err.message}`));
        else if (this.queue.length > 0 && !this.closed) this.connect();
      },
    );
    this.all.add(c);
    let connected = false;
    socket.once('secureConnect', () => {
      connected = true;
      this.free(c);
    });
  }

  private free(c: Connection): void {
    if (c.dead) return;
    const next = this.queue.shift();
    if (next) c.send(next);
    else this.idle.push(c);
  }

  /** Closes every connection; requests still waiting fail. */
  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('RawHttpsClient: closed'));
    this.idle.length = 0;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
  }
}
