/**
 * In-memory transport for unit tests: every "node" is a mailbox in one process. Real jobs use the
 * gRPC transport between separate node processes.
 */
import { PeerUnreachableError, type PartyName } from './channel.js';
import { Mailbox, type Envelope } from './mailbox.js';
import type { Transport } from './transport.js';
import { TransportChannel, type TransportChannelOptions } from './transport-channel.js';

export class MemoryNetwork {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly down = new Set<string>();

  /** The mailbox of node `nodeId` (created on first use). */
  mailbox(nodeId: string): Mailbox {
    let m = this.mailboxes.get(nodeId);
    if (!m) {
      m = new Mailbox();
      this.mailboxes.set(nodeId, m);
    }
    return m;
  }

  /** Simulates a crashed node: pushes to it and pings fail. */
  setDown(nodeId: string, isDown = true): void {
    if (isDown) this.down.add(nodeId);
    else this.down.delete(nodeId);
  }

  /** The transport as seen from node `fromNodeId`. */
  transport(fromNodeId: string): Transport {
    return {
      push: async (nodeId: string, env: Envelope) => {
        if (this.down.has(nodeId) || this.down.has(fromNodeId))
          throw new PeerUnreachableError(env.dst, `node ${nodeId} is down`);
        // Copy, as a real network would: the receiver must not alias the sender's buffer. And
        // deliver a Node Buffer, as the gRPC server does (its slice() is a view, not a copy).
        this.mailbox(nodeId).deliver({ ...env, data: Buffer.from(env.data) }, fromNodeId);
      },
      ping: async (nodeId: string) => {
        if (this.down.has(nodeId)) throw new Error(`node ${nodeId} is down`);
      },
    };
  }

  /**
   * Opens `session` on every node and returns one channel per party, each party on its own node
   * named after it (unless `nodes` maps parties to shared nodes).
   */
  channels(
    session: string,
    parties: readonly PartyName[],
    options: Partial<TransportChannelOptions> & { nodes?: Record<PartyName, string> } = {},
  ): Map<PartyName, TransportChannel> {
    const nodeOf = new Map(parties.map((p) => [p, options.nodes?.[p] ?? p]));
    for (const nodeId of new Set(nodeOf.values())) {
      this.mailbox(nodeId).openSession(session, {
        localParties: parties.filter((p) => nodeOf.get(p) === nodeId),
        allowSender: (src, sender) => nodeOf.get(src) === sender,
      });
    }
    const out = new Map<PartyName, TransportChannel>();
    for (const p of parties) {
      const nodeId = nodeOf.get(p) as string;
      out.set(
        p,
        new TransportChannel({
          ...options,
          session,
          self: p,
          parties: nodeOf,
          transport: this.transport(nodeId),
          mailbox: this.mailbox(nodeId),
        }),
      );
    }
    return out;
  }
}
