/**
 * Which peer certificates a node trusts: exactly those pinned by its active contracts. The
 * data-plane server accepts a TLS client only if its certificate is pinned, and a client only
 * talks to a server presenting the pinned certificate of the node it meant to reach.
 */

export interface PinnedPeer {
  nodeId: string;
  /** host:port of the peer's data-plane endpoint. */
  address: string;
  certPem: string;
  /** SHA-256 fingerprint of certPem ("AB:CD:…"). */
  fingerprint: string;
}

export interface TrustStore {
  /** The pinned peer with this node id, if a contract is active. */
  peer(nodeId: string): PinnedPeer | undefined;
  /** The node id whose pinned certificate has this fingerprint, if any. */
  nodeIdForFingerprint(fingerprint: string): string | undefined;
  /** Every pinned certificate (PEM). */
  certificates(): string[];
  /** Registers a listener called whenever the pinned set changes. */
  onChange(listener: () => void): void;
}

/** A TrustStore held in memory, updated by the node's contract service. */
export class MemoryTrustStore implements TrustStore {
  private readonly peers = new Map<string, PinnedPeer>();
  private readonly listeners: (() => void)[] = [];

  peer(nodeId: string): PinnedPeer | undefined {
    return this.peers.get(nodeId);
  }

  nodeIdForFingerprint(fingerprint: string): string | undefined {
    for (const p of this.peers.values()) if (p.fingerprint === fingerprint) return p.nodeId;
    return undefined;
  }

  certificates(): string[] {
    return [...this.peers.values()].map((p) => p.certPem);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Replaces the whole pinned set. One certificate per node id: should `peers` name a node id
   * twice, the first entry is pinned and later ones are ignored (a later contract claiming an
   * existing node id must never displace its partner).
   */
  replace(peers: Iterable<PinnedPeer>): void {
    this.peers.clear();
    for (const p of peers) if (!this.peers.has(p.nodeId)) this.peers.set(p.nodeId, p);
    for (const l of this.listeners) l();
  }

  /** Pins (or re-pins) one peer. */
  set(peer: PinnedPeer): void {
    this.peers.set(peer.nodeId, peer);
    for (const l of this.listeners) l();
  }

  /** Unpins a peer. */
  delete(nodeId: string): void {
    if (this.peers.delete(nodeId)) for (const l of this.listeners) l();
  }
}
