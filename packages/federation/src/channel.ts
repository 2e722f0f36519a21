/**
 * The channel a component program talks to its peers through: point-to-point, tagged, scoped to
 * one task session. `send` resolves when the peer's node has the payload; `recv` resolves with
 * the payload a peer sent under that tag (in any arrival order).
 */

/** A party's name within one job: `guest`, `arbiter`, `host-0`, `host-1`, ... */
export type PartyName = string;

export interface Channel {
  /** The task session the channel is scoped to (same on every party). */
  readonly session: string;
  /** This party. */
  readonly self: PartyName;
  /** Every other party of the session. */
  readonly peers: readonly PartyName[];
  /**
   * Delivers `payload` to `to` under `tag`. A tag may be used once per (sender, receiver) pair.
   * @throws PeerUnreachableError when the peer's node cannot be reached after retries.
   */
  send(to: PartyName, tag: string, payload: Uint8Array): Promise<void>;
  /**
   * Waits for the payload `from` sent under `tag`.
   * @throws PeerUnreachableError if the peer's node stops answering while we wait;
   *   ChannelTimeoutError after the channel's receive timeout; ChannelAbortedError when the task
   *   is stopped.
   */
  recv(from: PartyName, tag: string): Promise<Uint8Array>;
}

/** Base of every channel error: carries a stable code. */
export class ChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

export class PeerUnreachableError extends ChannelError {
  constructor(
    readonly peer: PartyName,
    message: string,
  ) {
    super('ERR_PEER_UNREACHABLE', message);
    this.name = 'PeerUnreachableError';
  }
}

export class ChannelTimeoutError extends ChannelError {
  constructor(message: string) {
    super('ERR_CHANNEL_TIMEOUT', message);
    this.name = 'ChannelTimeoutError';
  }
}

export class ChannelAbortedError extends ChannelError {
  constructor(message: string) {
    super('ERR_CHANNEL_ABORTED', message);
    this.name = 'ChannelAbortedError';
  }
}

/** The peer refused us or presented a certificate that no contract pins. */
export class PeerAuthenticationError extends ChannelError {
  constructor(message: string) {
    super('ERR_PEER_AUTHENTICATION', message);
    this.name = 'PeerAuthenticationError';
  }
}

/** Checks that a party name is one of the session's parties. */
export function assertPeer(channel: Channel, party: PartyName): void {
  if (!channel.peers.includes(party)) {
    throw new RangeError(
      `party '${party}' is not a peer in session ${channel.session} (peers: ${channel.peers.join(', ')})`,
    );
  }
}
