// Runs in its own process (node --expose-gc) so the heap and the event loop measured are the SDK's
// alone: the emulator lives in the parent. Starts JOBS generateVideo() waits on tasks that never end,
// lets them settle into polling, and reports heap per wait and event-loop delay as one JSON line.
// WAIT_OPTIONS=default waits with the default options (15-minute deadline, no signal) instead of one
// shared signal and `timeout: null`; those waits end with client.close().

import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const { DIST, BASE_URL, API_KEY, JOBS, SETTLE_MS, WAIT_OPTIONS } = process.env;
const { LivePortraitClient, createLocalCoordinator } = await import(DIST);
const jobs = Number(JOBS);
// Submits unpaced (the emulator's submit limit is off too): every wait is open when the heap is read.
const coordinator = createLocalCoordinator({ submitsPerSecond: Number.POSITIVE_INFINITY });
const client = new LivePortraitClient({ apiKey: API_KEY, baseURL: BASE_URL, coordinator });
// One-off costs are not per wait: open the connection pool and compile the submit and wait paths
// first (a few jobs submitted and waited on briefly), then measure from there.
const warm = new AbortController();
setMaxListeners(jobs + 100, warm.signal);
setTimeout(() => warm.abort(), 3_000);
await Promise.all(
  Array.from({ length: 100 }, (_, i) =>
    client
      .generateVideo('https://example.com/face.png', `https://example.com/voice.mp3?warm=${i}`, {
        signal: warm.signal,
        timeout: null,
      })
      .catch(() => {}),
  ),
);
globalThis.gc();
const before = process.memoryUsage().heapUsed;

const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
delay.enable();
const controller = new AbortController();
setMaxListeners(jobs + 100, controller.signal); // one signal for all waits, as an app would do
const options = WAIT_OPTIONS === 'default' ? {} : { signal: controller.signal, timeout: null };
const waits = Array.from({ length: jobs }, (_, i) =>
  client
    .generateVideo('https://example.com/face.png', `https://example.com/voice.mp3?job=${i}`, options)
    .catch(() => {}),
);
await sleep(Number(SETTLE_MS));
globalThis.gc();
const after = process.memoryUsage().heapUsed;
delay.disable();
controller.abort();
await client.close();
await Promise.all(waits);
process.stdout.write(
  `${JSON.stringify({
    bytesPerWait: (after - before) / jobs,
    // The histogram records whole sampling intervals: the delay is what exceeds the resolution.
    loopP99Ms: Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS),
    loopMaxMs: Math.max(0, delay.max / 1e6 - RESOLUTION_MS),
  })}\n`,
);
