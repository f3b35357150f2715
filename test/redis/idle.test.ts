/**
 * An idle client on the Redis coordinator does not keep its process alive, whether Redis is up or
 * unreachable (the README promises it for every client).
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { fixture, runChild, useRedisServer } from './helpers.js';
import { freePort } from './server.js';

const redis = useRedisServer();

async function exitCode(url: string): Promise<number | null> {
  const child = runChild(fixture('idle-client.ts'), [url]);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('an idle client on the Redis coordinator', () => {
  it('lets the process exit with Redis up', async () => {
    expect(await exitCode(redis.server.url)).toBe(0);
  });

  it('lets the process exit with Redis unreachable', async () => {
    expect(await exitCode(`redis://127.0.0.1:${await freePort()}`)).toBe(0);
  });
});
