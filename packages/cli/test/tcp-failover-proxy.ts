/**
 * A TCP proxy standing in for the load balancer in front of a node's API replicas: each incoming
 * connection goes to the first backend port that accepts one, bytes passed through untouched
 * (TLS ends at the replica, which all hold the node's one certificate). A partner keeps one
 * address while replicas die and come.
 *
 * With `spread` it stands in for a balancer that spreads connections instead: connection n goes
 * to backend n mod k first. A gRPC client keeps one HTTP/2 connection, so to spread its calls
 * too, `recycleIdleMs` closes a connection once the backend has answered and the client has
 * sent nothing more for that long (a call still waiting for its answer is never cut that way);
 * the client reconnects — to the next backend — at its next call.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpFailoverProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Backend ports on 127.0.0.1, tried in order. */
  backends: number[] = [];
  /** Connection n tries backend n mod k first (then the others, in order). */
  spread = false;
  /** Close a connection whose backend spoke last, after this many ms of silence. */
  recycleIdleMs: number | undefined;
  /** Connections made per backend port. */
  readonly connections = new Map<number, number>();
  private made = 0;

  /** Listens on `port` of 127.0.0.1 (0: any free port); resolves with the port. */
  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => {
      this.track(client);
      client.pause();
      const first = this.spread && this.backends.length ? this.made++ % this.backends.length : 0;
      void this.connect(first, 0).then(
        (upstream) => {
          this.track(upstream);
          client.pipe(upstream).pipe(client);
          client.resume();
          if (this.recycleIdleMs !== undefined) this.recycle(client, upstream, this.recycleIdleMs);
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          client.on('close', () => upstream.destroy());
        },
        () => client.destroy(),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  private connect(first: number, tried: number): Promise<Socket> {
    if (tried >= this.backends.length)
      return Promise.reject(new Error('no backend accepts connections'));
    const port = this.backends[(first + tried) % this.backends.length] as number;
    return new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
        resolve(s);
      });
      s.once('error', () => {
        s.destroy();
        this.connect(first, tried + 1).then(resolve, reject);
      });
    });
  }

  private recycle(client: Socket, upstream: Socket, idleMs: number): void {
    let timer: NodeJS.Timeout | undefined;
    client.on('data', () => clearTimeout(timer));
    upstream.on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, idleMs);
    });
    client.on('close', () => clearTimeout(timer));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
