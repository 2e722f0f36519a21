/**
 * A TCP proxy standing in for the load balancer in front of a node's API replicas: each incoming
 * connection goes to the first backend port that accepts one, bytes passed through untouched
 * (TLS ends at the replica, which all hold the node's one certificate). A partner keeps one
 * address while replicas die and come.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpFailoverProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Backend ports on 127.0.0.1, tried in order. */
  backends: number[] = [];

  /** Listens on `port` of 127.0.0.1 (0: any free port); resolves with the port. */
  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => {
      this.track(client);
      client.pause();
      void this.connect(0).then(
        (upstream) => {
          this.track(upstream);
          client.pipe(upstream).pipe(client);
          client.resume();
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

  private connect(i: number): Promise<Socket> {
    const port = this.backends[i];
    if (port === undefined) return Promise.reject(new Error('no backend accepts connections'));
    return new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(s));
      s.once('error', () => {
        s.destroy();
        this.connect(i + 1).then(resolve, reject);
      });
    });
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
