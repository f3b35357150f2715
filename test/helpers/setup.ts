/**
 * Shared set-up for integration tests: a real emulator on a loopback port, fast enough to finish a
 * task in milliseconds, and a client pointed at it through the real transport.
 */
import { Agent, type Dispatcher } from 'undici';
import { type ClientOptions, LivePortraitClient } from '../../src/index.js';
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from '../../src/testing/index.js';
import { onCleanup } from './cleanup.js';
import { AUDIO, IMAGE } from './media-urls.js';

export const API_KEY = 'sk-test-0123456789abcdef';
export { AUDIO, IMAGE };

/** Polls every 10–20 ms so tests finish quickly; the schedule itself is unit-tested on fake time. */
export const FAST_POLLS = { initialMs: 10, maxMs: 20, factor: 1.5, jitter: 0 };

/** Starts an emulator whose tasks finish within ~50 ms, closed after the test. */
export async function emulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const running = await startEmulator({ apiKeys: [API_KEY], queueMs: 20, runMs: 30, ...options });
  onCleanup(() => running.close());
  return running;
}

/** A client on `running`, closed after the test. Retries wait at most 5 ms. */
export function clientFor(running: RunningEmulator, options: ClientOptions = {}): LivePortraitClient {
  const client = new LivePortraitClient({
    apiKey: API_KEY,
    baseURL: running.baseURL,
    maxRetryDelay: 5,
    pollSchedule: FAST_POLLS,
    ...options,
  });
  onCleanup(() => client.close());
  return client;
}

/** What the transport handed to undici, per request: to assert the exact wire format. */
export interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** An Agent that records every request it sends, closed after the test. */
export function recordingDispatcher(): { dispatcher: Dispatcher; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const agent = new Agent();
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    sent.push({
      method: options.method,
      path: options.path,
      headers: { ...(options.headers as Record<string, string>) },
      body: typeof options.body === 'string' ? options.body : undefined,
    });
    return dispatch(options, handler);
  });
  onCleanup(() => agent.close());
  return { dispatcher, sent };
}
