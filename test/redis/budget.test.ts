/**
 * The shared query bucket against a real redis-server: several processes taking as fast as they are
 * granted never get more than the budget in any one-second window, by Redis's own clock.
 */
import { describe, expect, it } from 'vitest';
import { busiestWindow, fixture, outputOf, runChild, useRedisServer } from './helpers.js';

const redis = useRedisServer();

describe('the shared bucket (Lua GCRA on Redis time)', () => {
  it('never grants more than the budget in any one-second window to four processes together', async () => {
    const seconds = 3;
    const children = Array.from({ length: 4 }, () =>
      runChild(fixture('bucket-child.ts'), [
        redis.server.url,
        'test:bucket:window',
        '20',
        String(seconds * 1000),
      ]),
    );
    const grants = (await Promise.all(children.map(outputOf))).flatMap((out) => JSON.parse(out) as number[]);
    expect(busiestWindow(grants, 1_000_000)).toBeLessThanOrEqual(20);
    // And it does grant: the processes overlap for at least a second, at 18 per second sustained.
    expect(grants.length).toBeGreaterThanOrEqual(18);
  });
});
