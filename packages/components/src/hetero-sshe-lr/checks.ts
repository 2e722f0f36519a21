/** Role checks of the two-party SSHE-LR: exactly one guest and one host, no more. */
import { ComponentError, type ProgramContext } from '../spec.js';

/**
 * @returns the peer of this party.
 * @throws ComponentError HOSTS_UNSUPPORTED unless the job has exactly one host.
 */
export function twoPartyPeer(ctx: ProgramContext<unknown>): string {
  const { guest, hosts } = ctx.roles;
  if (hosts.length !== 1) {
    throw new ComponentError(
      'HOSTS_UNSUPPORTED',
      `hetero-sshe-lr is a two-party protocol (one guest, one host, no arbiter); this job has ${hosts.length} hosts (${hosts.join(', ') || 'none'}) — use hetero-lr, coordinated by an arbiter, for several hosts`,
      { hosts: hosts.length },
    );
  }
  return ctx.role === 'guest' ? (hosts[0] as string) : guest;
}
