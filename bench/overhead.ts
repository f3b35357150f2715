/**
 * Benchmark 2, client overhead: 10,000 `getTask` calls through the built SDK against a loopback
 * server, beside the same 10,000 requests with bare `undici.request` + `JSON.parse`, in one process.
 * Rounds alternate between the two so drift hits both; the ratio is of the medians.
 */
import { Agent, request } from 'undici';
import { cannedServer, importDist } from './lib/processes.js';
import { median, table } from './lib/stats.js';

const CALLS = 10_000;
const ROUNDS = 5;
const KEY = 'sk-bench-overhead';

interface Side {
  name: string;
  call(): Promise<unknown>;
}

async function timeCalls(side: Side, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await side.call();
    }),
  );
  return performance.now() - started;
}

export interface OverheadResult {
  concurrency: number;
  sdkMs: number;
  bareMs: number;
}

export async function overhead(): Promise<OverheadResult[]> {
  const { LivePortraitClient } = await importDist();
  const server = await cannedServer();
  // The query budget off: getTask waits for it, and 10,000 calls at 20/s would measure the budget.
  const client = new LivePortraitClient({
    apiKey: KEY,
    baseURL: server.baseURL,
    pollBudget: Number.POSITIVE_INFINITY,
  });
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const url = `${server.baseURL}/tasks/a1c6aa4c-0000-4000-8000-000000000000`;
  const headers = { authorization: `Bearer ${KEY}`, accept: 'application/json' };
  const sdk: Side = {
    name: 'SDK getTask',
    call: () => client.getTask('a1c6aa4c-0000-4000-8000-000000000000'),
  };
  const bare: Side = {
    name: 'undici.request',
    call: async () => JSON.parse(await (await request(url, { dispatcher: agent, headers })).body.text()),
  };
  const results: OverheadResult[] = [];
  try {
    for (const concurrency of [1, 16]) {
      await timeCalls(sdk, 1_000, concurrency); // warm-up: JIT, sockets
      await timeCalls(bare, 1_000, concurrency);
      const times = { sdk: [] as number[], bare: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        times.sdk.push(await timeCalls(sdk, CALLS, concurrency));
        times.bare.push(await timeCalls(bare, CALLS, concurrency));
      }
      results.push({ concurrency, sdkMs: median(times.sdk), bareMs: median(times.bare) });
    }
  } finally {
    await client.close();
    await agent.close();
    server.stop();
  }
  return results;
}

export function overheadTable(results: readonly OverheadResult[]): string {
  return table(
    [
      'calls in flight',
      `SDK getTask ×${CALLS}`,
      `undici.request ×${CALLS}`,
      'µs per call (SDK / bare)',
      'ratio',
    ],
    results.map((r) => [
      String(r.concurrency),
      `${r.sdkMs.toFixed(0)} ms`,
      `${r.bareMs.toFixed(0)} ms`,
      `${((r.sdkMs * 1000) / CALLS).toFixed(0)} / ${((r.bareMs * 1000) / CALLS).toFixed(0)}`,
      (r.sdkMs / r.bareMs).toFixed(2),
    ]),
  );
}
