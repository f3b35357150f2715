/**
 * One process of the fleet benchmark: a client on its own budget (`own`) or on the Redis coordinator
 * (`redis`), running its share of the jobs at once on the fleet's shared scaled clock. Prints one JSON
 * line per finished job (`{ taskId, at }`, emulated ms) and `{ exit: true }` at the end.
 * Arg: a JSON {@link FleetProcessConfig}.
 */
import { setMaxListeners } from 'node:events';
import { createLocalCoordinator, LivePortraitClient } from '../../src/index.js';
import { buildRedisCoordinator } from '../../src/redis/coordinator.js';
import { IMAGE } from './jobs.js';
import { scaledTime } from './time.js';

export interface FleetProcessConfig {
  mode: 'own' | 'redis';
  baseURL: string;
  apiKey: string;
  redisUrl: string;
  keyPrefix: string;
  /** Real epoch ms where the fleet's emulated clock starts, and how much faster it runs. */
  origin: number;
  factor: number;
  audioUrls: string[];
  /** Emulated ms after which waits give up. */
  giveUpMs: number;
}

const config = JSON.parse(process.argv[2] as string) as FleetProcessConfig;
const time = scaledTime(config.factor, config.origin);
const coordinator =
  config.mode === 'own'
    ? createLocalCoordinator({ time: time.sdk, submitsPerSecond: Number.POSITIVE_INFINITY })
    : buildRedisCoordinator(
        {
          redis: config.redisUrl,
          keyPrefix: config.keyPrefix,
          submitsPerSecond: Number.POSITIVE_INFINITY,
          onWarning: (message) => process.stderr.write(`${message}\n`),
        },
        { time: time.sdk, timeScale: config.factor },
      );
const client = new LivePortraitClient({ apiKey: config.apiKey, baseURL: config.baseURL, coordinator });
const giveUp = AbortSignal.timeout(Math.ceil(config.giveUpMs / config.factor));
setMaxListeners(config.audioUrls.length + 10, giveUp);
await Promise.all(
  config.audioUrls.map(async (audioUrl) => {
    try {
      const video = await client.generateVideo(IMAGE, audioUrl, { timeout: null, signal: giveUp });
      process.stdout.write(`${JSON.stringify({ taskId: video.taskId, at: time.now() })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    }
  }),
);
await client.close();
process.stdout.write(`${JSON.stringify({ exit: true })}\n`);
