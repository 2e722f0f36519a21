/**
 * What a channel needs from a transport: push a chunk to the node hosting a party, and check
 * that the node is alive. Implemented in memory (unit tests) and over gRPC with mutual TLS.
 */
import type { Envelope } from './mailbox.js';

export interface Transport {
  /**
   * Delivers one chunk to `nodeId`'s mailbox, resolving once the peer acknowledged it.
   * @throws PeerUnreachableError, PeerAuthenticationError, or a DeliveryError from the peer.
   */
  push(nodeId: string, envelope: Envelope): Promise<void>;
  /** Resolves if `nodeId` answers; rejects otherwise. */
  ping(nodeId: string): Promise<void>;
}
