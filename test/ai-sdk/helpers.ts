/**
 * Shared set-up of the AI SDK tests: a provider on a real-port emulator, and the `download` every
 * `experimental_generateVideo` call here passes, because the AI SDK's default download refuses
 * loopback URLs (the emulator's videos are on 127.0.0.1; real DashScope links are public).
 */
import { afterEach } from 'vitest';
import { createLivePortrait, type LivePortraitProvider } from '../../src/ai-sdk/index.js';
import type { ClientOptions } from '../../src/index.js';
import type { RunningEmulator } from '../../src/testing/index.js';
import { API_KEY, FAST_POLLS } from '../helpers/setup.js';

// The AI SDK prints warnings with console.warn; the tests read them from the result instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = false;

const providers: LivePortraitProvider[] = [];
afterEach(async () => {
  while (providers.length > 0) await providers.pop()?.close();
});

/** A provider whose client talks to `running`, closed after the test. */
export function providerFor(running: RunningEmulator, options: ClientOptions = {}): LivePortraitProvider {
  const provider = createLivePortrait({
    apiKey: API_KEY,
    baseURL: running.baseURL,
    maxRetryDelay: 5,
    pollSchedule: FAST_POLLS,
    ...options,
  });
  providers.push(provider);
  return provider;
}

/** Fetches the video, loopback included: what a test passes as `download`. */
export async function loopbackDownload({ url, abortSignal }: { url: URL; abortSignal?: AbortSignal }) {
  const response = await fetch(url, { signal: abortSignal ?? null });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return {
    data: new Uint8Array(await response.arrayBuffer()),
    mediaType: response.headers.get('content-type') ?? undefined,
  };
}

/** Resolves once `predicate` holds, checking between turns of the event loop; gives up after 10 s. */
export async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
