/** The provider: the default instance reads the environment lazily; options or a shared client. */
import { experimental_generateVideo } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLivePortrait, liveportrait } from '../../src/ai-sdk/index.js';
import { ConfigurationError, LivePortraitClient, ValidationError } from '../../src/index.js';
import { API_KEY, AUDIO, emulator, IMAGE } from '../helpers/setup.js';
import { loopbackDownload } from './helpers.js';

afterEach(async () => {
  vi.unstubAllEnvs();
  await liveportrait.close();
});

const request = { prompt: { image: IMAGE }, providerOptions: { liveportrait: { audioUrl: AUDIO } } };

describe('the default liveportrait provider', () => {
  it('is usable without a key until called; the call then rejects with ConfigurationError', async () => {
    vi.stubEnv('DASHSCOPE_API_KEY', '');
    const model = liveportrait.video();
    expect(model.modelId).toBe('liveportrait');
    await expect(
      experimental_generateVideo({ model, ...request, download: loopbackDownload }),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('reads DASHSCOPE_API_KEY and DASHSCOPE_HTTP_BASE_URL at the first call', async () => {
    const running = await emulator();
    const model = liveportrait.video(); // made before the environment is set
    vi.stubEnv('DASHSCOPE_API_KEY', API_KEY);
    vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', running.baseURL);
    const result = await experimental_generateVideo({ model, ...request, download: loopbackDownload });
    expect(result.providerMetadata.liveportrait?.taskId).toBe(running.tasks.all()[0]?.id);
  });
});

describe('createLivePortrait()', () => {
  it('refuses a client together with client options, and model ids other than liveportrait', () => {
    const client = new LivePortraitClient({ apiKey: API_KEY });
    expect(() => createLivePortrait({ client, pollBudget: 5 })).toThrow(ConfigurationError);
    expect(() => createLivePortrait({ client, apiKey: undefined })).not.toThrow();
    // @ts-expect-error: the model id is typed
    expect(() => createLivePortrait().video('wan2.2-i2v')).toThrow(ValidationError);
  });

  it('close() closes the client it made; a later call makes a new one', async () => {
    const running = await emulator();
    const provider = createLivePortrait({ apiKey: API_KEY, baseURL: running.baseURL });
    const call = () =>
      experimental_generateVideo({ model: provider.video(), ...request, download: loopbackDownload });
    await call();
    await provider.close();
    await call();
    await provider.close();
    expect(running.tasks.all()).toHaveLength(2);
  });
});
