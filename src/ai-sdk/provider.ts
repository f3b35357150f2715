/**
 * The provider: `createLivePortrait(options)` and the default `liveportrait` instance. It holds one
 * `LivePortraitClient` — made on first use from the options (so a missing key fails the first call,
 * not the import), or the caller's own — and hands it to every model it makes, so all of them share
 * its poll budget, end detection and connection pool.
 */
import {
  type ClientOptions,
  ConfigurationError,
  LivePortraitClient,
  ValidationError,
} from 'dashscope-liveportrait';
import {
  createVideoModel,
  type LivePortraitVideoModel,
  type LivePortraitVideoModelId,
} from './video-model.js';

/**
 * Options of {@link createLivePortrait}: everything `LivePortraitClient` takes (`apiKey`, `baseURL`,
 * `pollBudget`, `maxConcurrentJobs`, …), or an existing `client` to share, not both.
 */
export type LivePortraitProviderSettings = ClientOptions & {
  /**
   * A client to use instead of making one: its scheduler and connection pool are shared with your
   * other calls, and it stays yours to close.
   */
  client?: LivePortraitClient | undefined;
};

/** A LivePortrait provider for the Vercel AI SDK. */
export interface LivePortraitProvider {
  /**
   * The LivePortrait video model, for `experimental_generateVideo` (and on `ai` 7 also
   * `experimental_startVideo` / `experimental_getVideoStatus`).
   */
  video(modelId?: LivePortraitVideoModelId): LivePortraitVideoModel;
  /**
   * Closes the client this provider made, if it made one (a `client` you passed stays yours). Waits
   * still open reject with `AbortError`; a later call makes a new client.
   */
  close(): Promise<void>;
}

/**
 * Creates a LivePortrait provider. Nothing is checked or connected until the first call: without
 * options the client reads `DASHSCOPE_API_KEY` and `DASHSCOPE_HTTP_BASE_URL` then, like `generateVideo()`.
 * @throws ConfigurationError when both `client` and client options are given.
 * @example
 * const liveportrait = createLivePortrait({ apiKey: process.env.MY_KEY, pollBudget: 10 });
 * const { video } = await experimental_generateVideo({ model: liveportrait.video(), prompt: { image }, providerOptions: { liveportrait: { audioUrl } } });
 */
export function createLivePortrait(settings: LivePortraitProviderSettings = {}): LivePortraitProvider {
  const { client: shared, ...clientOptions } = settings;
  const conflicting = Object.entries(clientOptions).filter(([, value]) => value !== undefined);
  if (shared !== undefined && conflicting.length > 0) {
    throw new ConfigurationError(
      `Pass either { client } or the options to make one, not both: ${conflicting.map(([key]) => key).join(', ')} would be ignored`,
    );
  }
  let made: LivePortraitClient | undefined;
  const getClient = () => {
    if (shared !== undefined) return shared;
    made ??= new LivePortraitClient(clientOptions);
    return made;
  };
  return {
    video(modelId = 'liveportrait') {
      if (modelId !== 'liveportrait') {
        throw new ValidationError(
          [{ path: 'modelId', message: `must be 'liveportrait'; got ${JSON.stringify(modelId)}` }],
          'model id',
        );
      }
      return createVideoModel(getClient, modelId);
    },
    async close() {
      const client = made;
      made = undefined;
      await client?.close();
    },
  };
}

/**
 * The default provider: its client reads `DASHSCOPE_API_KEY` and `DASHSCOPE_HTTP_BASE_URL` at the first
 * call (importing it never throws) and lives as long as the process.
 */
export const liveportrait: LivePortraitProvider = createLivePortrait();
