/**
 * The gm suite's data-plane protection (jobs/gm-channel.ts) over the in-memory transport: the
 * in-band SM2 key exchange, sealed and signed payloads (nothing readable on the wire), and a
 * hostile partner — wrong SM2 key, unsealed payload, envelope moved to another tag, forged
 * signer — refused with GmChannelError and no crash.
 */
import { sm2GenerateKeyPair, type Sm2KeyPair } from '@fedgrid/crypto';
import { MemoryNetwork, type TransportChannel } from '@fedgrid/federation';
import { describe, expect, it } from 'vitest';
import { GmChannel, GmChannelError } from '../dist/jobs/gm-channel.js';

const keyA = sm2GenerateKeyPair();
const keyB = sm2GenerateKeyPair();

/** guest on node A, host on node B; `hostKey` is the key node B really uses. */
function setup(hostKey: Sm2KeyPair = keyB, recvTimeoutMs = 60_000) {
  const net = new MemoryNetwork();
  const raw = net.channels(`s-${Math.random()}`, ['guest', 'host'], { recvTimeoutMs });
  const nodeOf = (p: string) => (p === 'guest' ? 'A' : 'B');
  // Each side knows the other's key from its contract: A pins keyB, B pins keyA.
  const guest = new GmChannel(raw.get('guest')!, {
    selfNodeId: 'A',
    ...keyA,
    nodeOf,
    peerKey: async (n) => (n === 'B' ? keyB.publicKey : undefined),
  });
  const host = new GmChannel(raw.get('host')!, {
    selfNodeId: 'B',
    ...hostKey,
    nodeOf,
    peerKey: async (n) => (n === 'A' ? keyA.publicKey : undefined),
  });
  return { guest, host, raw: raw as Map<string, TransportChannel> };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('GmChannel', () => {
  it('agrees keys in-band and carries payloads both ways, unreadable on the wire', async () => {
    const { guest, host, raw } = setup();
    const [, got] = await Promise.all([
      guest.send('host', 'grad/0', enc('gradient 0.123456')),
      host.recv('guest', 'grad/0'),
    ]);
    expect(new TextDecoder().decode(got)).toBe('gradient 0.123456');
    await host.send('guest', 'loss/0', enc('loss 0.5'));
    expect(new TextDecoder().decode(await guest.recv('host', 'loss/0'))).toBe('loss 0.5');
    // What travels: an envelope, not the payload.
    await guest.send('host', 'grad/1', enc('gradient 0.999999'));
    const wire = await raw.get('host')!.recv('guest', 'grad/1');
    expect(Buffer.from(wire).includes(Buffer.from('gradient'))).toBe(false);
    expect(Buffer.from(wire.subarray(0, 4)).toString()).toBe('FGE1');
  });

  it('refuses a partner that does not hold the SM2 key its contract pins', async () => {
    // The host waits for a confirmation that never comes: a short receive timeout ends its wait.
    const { guest, host } = setup(sm2GenerateKeyPair(), 1000);
    const results = await Promise.allSettled([
      guest.send('host', 'x', enc('secret')),
      host.recv('guest', 'x'),
    ]);
    // The guest (initiator) detects the wrong confirmation and never sends the payload.
    expect(results[0].status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(GmChannelError);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/SM2 key exchange/);
    expect(results[1].status).toBe('rejected'); // and the host never delivers anything
  });

  it('refuses an unsealed payload, an envelope moved to another tag and a forged signer', async () => {
    const { guest, host, raw } = setup();
    await Promise.all([guest.send('host', 'a', enc('first')), host.recv('guest', 'a')]);
    // Unsealed bytes sent around the protection.
    await raw.get('guest')!.send('host', 'b', enc('plain payload, no envelope'));
    await expect(host.recv('guest', 'b')).rejects.toThrow(GmChannelError);
    // A genuine envelope captured under tag c and re-sent under tag d.
    await guest.send('host', 'c', enc('round 3'));
    const captured = await raw.get('host')!.recv('guest', 'c');
    await raw.get('guest')!.send('host', 'd', captured);
    await expect(host.recv('guest', 'd')).rejects.toThrow(/AUTHENTICATION/);
    // The channel still works afterwards.
    await guest.send('host', 'e', enc('still fine'));
    expect(new TextDecoder().decode(await host.recv('guest', 'e'))).toBe('still fine');
  });

  it('passes parties on the same node and peers without a gm contract through unchanged', async () => {
    const net = new MemoryNetwork();
    const raw = net.channels('local', ['guest', 'arbiter'], {
      nodes: { guest: 'A', arbiter: 'A' },
    });
    const g = new GmChannel(raw.get('guest')!, {
      selfNodeId: 'A',
      ...keyA,
      nodeOf: () => 'A',
      peerKey: async () => keyB.publicKey,
    });
    await g.send('arbiter', 't', enc('local'));
    expect(new TextDecoder().decode(await raw.get('arbiter')!.recv('guest', 't'))).toBe('local');
  });
});
