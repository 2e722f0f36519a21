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
 *
 * Idle connections are retired before the server's keep-alive timeout, as node:http's Agent and
 * undici do: a server closes a connection idle for its `keepAliveTimeout` (Fastify 72 s, Node's
 * own server 5 s; Node closes 1 s after the `Keep-Alive: timeout=N` it announces), and a request
 * written on it just then is lost ("the server closed the connection", "read ECONNRESET") — the
 * client's event loop, busy with a burst, had not yet read the server's FIN. A connection idle
 * for the announced timeout less one second (no announcement: 4 s) is closed by the client when
 * it would next be used, and the request goes on another connection.
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
  /**
   * Milliseconds a connection may stay idle and still be reused when the server announces no
   * `Keep-Alive: timeout` (with one, that timeout less 1 s). @default 4000 (Node's server: 5 s)
   */
  idleMs?: number;
  /** The clock, milliseconds (tests). @default performance.now */
  now?: () => number;
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
/** How much earlier than the server announces an idle connection is retired (as node:http). */
const KEEP_ALIVE_MARGIN_MS = 1000;

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the socket is unusable (closed, failed, or the server asked to close). */
  dead = false;
  /** When it connected or last read an answer (the pool's clock): since when it is idle. */
  idleSince = 0;
  /** How long it may stay idle and still be used (from the server's keep-alive announcement). */
  reusableMs: number;

  constructor(
    readonly socket: TLSSocket,
    private readonly timeoutMs: number,
    private readonly onFree: (c: Connection) => void,
    private readonly onDead: (c: Connection, err: Error) => void,
    private readonly now: () => number,
    private readonly idleMs: number,
  ) {
    this.reusableMs = idleMs;
    this.idleSince = now();
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.data(d));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  send(p: Pending): void {
    this.current = p;
    if (this.dead || this.socket.destroyed) {
      this.fail(new Error('the connection was closed before the request was written'));
      return;
    }
    this.timer = setTimeout(
      () => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    this.socket.write(p.body.length ? Buffer.concat([p.head, p.body]) : p.head);
  }

  private data(d: Buffer): void {
    // Bytes while no request is under way: the server is giving up an idle connection (Fastify
    // writes a 408 to a connection that sent no request within Node's headersTimeout, then
    // destroys it). Treating it as an answer freed the connection a second time — it sat twice
    // in the idle stack, and the copy left after its close took a request that was written to
    // the destroyed socket and never answered ("no answer within 30000 ms", issue 12).
    if (!this.current)
      return this.fail(new Error('the server sent data while no request was under way'));
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const lines = head.split('\r\n');
    const status = Number(lines[0]?.split(' ', 3)[1]);
    let length = -1;
    let close = false;
    let keepAliveS: number | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'connection' && value.toLowerCase() === 'close') close = true;
      else if (name === 'keep-alive') {
        const m = /(?:^|[\s,])timeout=(\d+)/i.exec(value);
        if (m) keepAliveS = Number(m[1]);
      } else if (name === 'transfer-encoding')
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
    this.idleSince = this.now();
    this.reusableMs =
      keepAliveS === undefined ? this.idleMs : keepAliveS * 1000 - KEEP_ALIVE_MARGIN_MS;
    // A server announcing a keep-alive of a second or less: the connection is not reused.
    if (this.reusableMs <= 0) close = true;
    if (close) {
      this.dead = true;
      this.onDead(this, new Error('the server closed the connection'));
      this.socket.end();
    }
    p?.resolve({ status, body });
    if (!close) this.onFree(this);
  }

  /** True when it has been idle too long to be used again (the server may be closing it). */
  expired(): boolean {
    return this.now() - this.idleSince >= this.reusableMs;
  }

  /** Closes it from this side (idle, expired): no request is under way. */
  retire(): void {
    if (this.dead) return;
    this.dead = true;
    this.onDead(this, new Error('retired idle connection'));
    this.socket.destroy();
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
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: RawHttpsOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'https:') throw new Error(`RawHttpsClient: ${opts.url} is not https`);
    this.host = u.hostname;
    this.port = Number(u.port || 443);
    this.maxSockets = opts.maxSockets ?? 256;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.idleMs = opts.idleMs ?? 4000;
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * The most recently used idle connection that may still be used; expired ones are closed. The
   * idle stack is LIFO (the fewest connections stay warm), so its bottom holds the longest idle:
   * those are retired first, whether or not a request needs them.
   */
  private takeIdle(): Connection | undefined {
    while (this.idle.length > 0 && (this.idle[0] as Connection).expired())
      (this.idle[0] as Connection).retire();
    // The top is checked too: a fresh connection's idle time counts from its connect, which can
    // be older than the answer of one pushed before it.
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.dead && !c.socket.destroyed && !c.expired()) return c;
      c.retire();
    }
    return undefined;
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
      const c = this.takeIdle();
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
      this.now,
      this.idleMs,
    );
    this.all.add(c);
    let connected = false;
    socket.once('secureConnect', () => {
      connected = true;
      this.free(c);
    });
  }

  private free(c: Connection): void {
    if (c.dead || this.idle.includes(c)) return;
    const next = this.queue.shift();
    if (next) c.send(next);
    else this.idle.push(c);
  }

  /** Connections open (connecting, busy or idle) and idle ones (tests, diagnostics). */
  stats(): { open: number; idle: number } {
    return { open: this.open, idle: this.idle.length };
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
