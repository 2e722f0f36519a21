/**
 * Start-time fair queuing of one inside node's byte budget (relay-fair-share.ts), on a fake clock:
 * sources that always have a chunk waiting get equal bytes whatever their number of connections
 * and chunk sizes; a source with nothing waiting leaves its share to the others; the bucket's rate
 * still bounds the total; a withdrawn chunk is never granted. The same flows first come, first
 * served (fairness off) favour the source with more connections and larger chunks — the checks
 * can fail. (relay-byte-budget.test.ts checks the same over real sockets.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ByteBucket, FairShare, type FairLane } from '@fedgrid/federation';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** 64 000 bytes a second, a burst of one byte: every chunk waits for its turn. */
const RATE = 64_000;

function share(fair: boolean): FairShare {
  return new FairShare(new ByteBucket(RATE, 1, () => Date.now()), fair);
}

/** A connection that asks for its next `chunk` bytes as soon as the last ones passed. */
function flood(s: FairShare, lane: FairLane, chunk: number): { stop(): void } {
  let withdraw = () => {};
  let stopped = false;
  const next = (): void => {
    if (stopped) return;
    withdraw = s.request(lane, chunk, next);
  };
  next();
  return {
    stop: () => {
      stopped = true;
      withdraw();
    },
  };
}

describe('FairShare', () => {
  it('gives two always-waiting sources equal bytes, four big-chunk connections against one small', () => {
    for (const fair of [true, false]) {
      const s = share(fair);
      const a = s.join('10.0.0.1');
      const b = s.join('10.0.0.2');
      for (let i = 1; i < 4; i += 1) s.join('10.0.0.1');
      const flows = [0, 1, 2, 3].map(() => flood(s, a, 6400));
      flows.push(flood(s, b, 1600));
      vi.advanceTimersByTime(20_000);
      for (const f of flows) f.stop();
      const served = s.servedBySource();
      const ratio = served.get('10.0.0.1')!.bytes / served.get('10.0.0.2')!.bytes;
      if (fair) {
        // Equal within one chunk of each: 6400 + 1600 of some 640 000 each.
        expect(Math.abs(a.served - b.served)).toBeLessThanOrEqual(6400 + 1600);
        expect(ratio).toBeLessThan(1.02);
      } else {
        // One turn per connection, bytes per chunk: 4 × 6400 against 1600.
        expect(ratio).toBeGreaterThan(8);
      }
      // Either way the bucket bounds the total: rate × t plus the chunk that overdrew it.
      expect(a.served + b.served).toBeLessThanOrEqual(RATE * 20 + 1 + 6400);
    }
  });

  it('leaves an idle source’s share to the others, and gives it no saved-up credit', () => {
    const s = share(true);
    const a = s.join('10.0.0.1');
    const b = s.join('10.0.0.2');
    const fa = flood(s, a, 6400);
    vi.advanceTimersByTime(10_000);
    // Alone, A gets the whole rate (work-conserving).
    expect(a.served).toBeGreaterThanOrEqual(RATE * 10 - 6400);
    expect(b.served).toBe(0);
    // B starts after ten idle seconds: from now on they share, B does not take ten seconds' worth.
    const a0 = a.served;
    const fb = flood(s, b, 6400);
    vi.advanceTimersByTime(10_000);
    fa.stop();
    fb.stop();
    expect(Math.abs(a.served - a0 - b.served)).toBeLessThanOrEqual(2 * 6400);
  });

  it('never grants a withdrawn chunk, and forgets a source with no connection left', () => {
    const s = share(true);
    const a = s.join('10.0.0.1');
    const b = s.join('10.0.0.2');
    // A overdraws the one-byte bucket at once: B's chunk must wait for 100 ms.
    let grantedA = 0;
    s.request(a, 6400, () => (grantedA += 1));
    expect(grantedA).toBe(1);
    const granted: string[] = [];
    const withdraw = s.request(b, 100, () => granted.push('b'));
    withdraw();
    s.leave(b);
    vi.advanceTimersByTime(1000);
    expect(granted).toEqual([]);
    expect([...s.servedBySource().keys()]).toEqual(['10.0.0.1']);
    s.leave(a);
    expect(s.users).toBe(0);
  });
});
