/**
 * The relay's abuse limits (docs/protocols/relay.md, "Limits"): so that one hostile party — a
 * partner (or anyone) at the public ports, or a registered inside node at the tunnel port —
 * cannot exhaust the relay or crowd out the other nodes. A partner's identity is inside its TLS
 * session, which the relay cannot read: partners are counted by source IP address.
 */

/** Limits of one relay; every field has a default sized for a few dozen inside nodes. */
export interface RelayLimits {
  /** Tunnels one inside node id may keep at once (its replicas, plus a redial). @default 8 */
  maxTunnelsPerNode: number;
  /** Partner connections forwarded to one inside node at once (all its tunnels). @default 1024 */
  maxConnectionsPerNode: number;
  /** Open connections from one source IP address at the public ports, before and after routing. @default 128 */
  maxConnectionsPerSource: number;
  /** New connections per second one source IP address may open, on average. @default 20 */
  connectionsPerSecondPerSource: number;
  /** New connections one source IP address may open at once before the rate applies. @default 100 */
  connectionBurstPerSource: number;
  /** Public-port connections that have not yet sent their whole ClientHello, from all sources. @default 1024 */
  maxPendingHellos: number;
  /** Tunnel connections (registered or still in the handshake) from all sources. @default 256 */
  maxTunnels: number;
  /**
   * Bytes per second forwarded for one inside node, both directions and all its partners
   * together; beyond it its connections are paused (relay-byte-budget.ts).
   * @default 134217728 (128 MiB/s, about a 1 Gbit/s link)
   */
  bytesPerSecondPerNode: number;
  /** Bytes one inside node's connections may forward at once before its rate applies. @default 134217728 (128 MiB) */
  byteBurstPerNode: number;
  /**
   * Bytes per second forwarded for one partner source IP address, both directions and all inside
   * nodes together; beyond it its connections are paused. @default 67108864 (64 MiB/s)
   */
  bytesPerSecondPerSource: number;
  /** Bytes one source's connections may forward at once before its rate applies. @default 67108864 (64 MiB) */
  byteBurstPerSource: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxTunnelsPerNode: 8,
  maxConnectionsPerNode: 1024,
  maxConnectionsPerSource: 128,
  connectionsPerSecondPerSource: 20,
  connectionBurstPerSource: 100,
  maxPendingHellos: 1024,
  maxTunnels: 256,
  bytesPerSecondPerNode: 128 * 2 ** 20,
  byteBurstPerNode: 128 * 2 ** 20,
  bytesPerSecondPerSource: 64 * 2 ** 20,
  byteBurstPerSource: 64 * 2 ** 20,
};

/** Why the relay refused a connection (the `reason` label of its refusal counter). */
export type RelayRefusal =
  | 'source_connections'
  | 'source_rate'
  | 'pending_hellos'
  | 'node_connections'
  | 'unknown_name'
  | 'bad_hello'
  | 'hello_timeout'
  | 'unregistered'
  | 'node_tunnels'
  | 'tunnels';

/**
 * Checks the limits and fills in the defaults.
 * @throws RangeError naming the field that is not a positive number (a rate may be fractional).
 */
export function relayLimits(partial: Partial<RelayLimits> = {}): RelayLimits {
  const out = { ...DEFAULT_RELAY_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    const ok = k === 'connectionsPerSecondPerSource' ? v > 0 : Number.isInteger(v) && v >= 1;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok)
      throw new RangeError(
        `relay limit ${k} must be a positive ${k === 'connectionsPerSecondPerSource' ? 'number' : 'integer'}, got ${String(v)}`,
      );
  }
  return out;
}

/**
 * Per source IP address: open connections, and a token bucket of new connections (rate
 * `connectionsPerSecondPerSource`, depth `connectionBurstPerSource`). An idle source's entry is
 * dropped, so the table holds only sources with connections open or tokens spent.
 */
export class SourceLimiter {
  private readonly sources = new Map<string, { open: number; tokens: number; at: number }>();

  constructor(
    private readonly limits: RelayLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Admits a new connection from `source`, counting it open until {@link release}.
   * @returns undefined when admitted, else the limit that refused it.
   */
  admit(source: string): 'source_connections' | 'source_rate' | undefined {
    const t = this.now();
    const { connectionBurstPerSource: burst, connectionsPerSecondPerSource: rate } = this.limits;
    const s = this.sources.get(source) ?? { open: 0, tokens: burst, at: t };
    s.tokens = Math.min(burst, s.tokens + ((t - s.at) / 1000) * rate);
    s.at = t;
    this.sources.set(source, s);
    if (s.open >= this.limits.maxConnectionsPerSource) return 'source_connections';
    if (s.tokens < 1) return 'source_rate';
    s.tokens -= 1;
    s.open += 1;
    return undefined;
  }

  /** A connection {@link admit}ted from `source` ended. */
  release(source: string): void {
    const s = this.sources.get(source);
    if (!s) return;
    s.open = Math.max(0, s.open - 1);
    this.prune();
  }

  /** Sources with connections open now. */
  openBySource(): Map<string, number> {
    return new Map([...this.sources].filter(([, s]) => s.open > 0).map(([k, s]) => [k, s.open]));
  }

  private prune(): void {
    if (this.sources.size < 1024) return;
    const t = this.now();
    const { connectionBurstPerSource: burst, connectionsPerSecondPerSource: rate } = this.limits;
    for (const [k, s] of this.sources)
      if (s.open === 0 && s.tokens + ((t - s.at) / 1000) * rate >= burst) this.sources.delete(k);
  }
}
