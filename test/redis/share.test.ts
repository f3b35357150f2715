/**
 * The local share a process spends while Redis is away (pure: no Redis, no real time). What it must
 * hold: the shares of a whole fleet, each taking as fast as it may, together never put more than the
 * limit in any one-second window, none starts before the shared bucket left off, and an idle share
 * never bursts.
 */
import { describe, expect, it } from 'vitest';
import { LocalShare } from '../../src/redis/bucket.js';
import { busiestWindow } from './helpers.js';

/** Every share takes whenever it may, on a 1 ms clock from `from` to `to`; returns the grant times. */
function drain(shares: LocalShare[], from: number, to: number): number[] {
  const grants: number[] = [];
  for (let now = from; now < to; now++)
    for (const share of shares) if (share.take(now) === 0) grants.push(now);
  return grants;
}

const fleet = (members: number, place: { offset?: number; notBefore?: number } = {}) =>
  Array.from(
    { length: members },
    (_, rank) =>
      new LocalShare(20, { members, rank, offset: place.offset ?? 0, notBefore: place.notBefore ?? 0 }),
  );

describe('the local share (slots of the fleet rate)', () => {
  it.each([1, 4, 40])(
    '%i shares together keep the fleet rate, never above the limit in a second',
    (members) => {
      const grants = drain(fleet(members, { offset: 123_456.7 }), 0, 10_000);
      // 90% of 20/s over 10 s, give or take the first and last slot.
      expect(grants.length).toBeGreaterThanOrEqual(179);
      expect(grants.length).toBeLessThanOrEqual(181);
      expect(busiestWindow(grants, 1000)).toBeLessThanOrEqual(19);
      // Interleaved: no two grants of the fleet closer than its interval (55.6 ms), less the 1 ms clock.
      const sorted = [...grants].sort((x, y) => x - y);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(54);
    },
  );

  it('starts where the shared bucket left off', () => {
    const grants = drain(fleet(4, { notBefore: 700 }), 0, 2_000);
    expect(Math.min(...grants)).toBeGreaterThanOrEqual(700);
  });

  it('grants one request after an idle spell, not a burst', () => {
    const [share] = fleet(4) as [LocalShare];
    // Idle for 5 s: its slot comes within one period (4 × 55.6 ms), and brings one grant.
    const open = 5_000 + share.wait(5_000);
    expect(open - 5_000).toBeLessThanOrEqual(4 * 55.6);
    expect(share.take(open)).toBe(0);
    // The next is one period on: the slots it left unused while idle are gone.
    expect(share.take(open)).toBeCloseTo(4 * 55.56, 0);
  });

  it('a 429 pauses it for the Retry-After and halves its rate', () => {
    const [share] = fleet(1) as [LocalShare];
    share.throttled(0, 2_000);
    expect(share.wait(1_000)).toBe(1_000);
    const grants = drain([share], 2_000, 4_000);
    expect(grants.length).toBeGreaterThanOrEqual(17);
    expect(grants.length).toBeLessThanOrEqual(19);
  });
});
