import { describe, expect, expectTypeOf, it } from 'vitest';
import { type GenerateRunOptions, splitGenerateOptions } from '../../src/client-types.js';
import type { GenerateVideoOptions, VideoParams } from '../../src/index.js';

describe("generateVideo's options", () => {
  it('splits every run option from the model parameters; anything else stays a parameter to check', () => {
    const run: Required<GenerateRunOptions> = {
      detect: true,
      signal: new AbortController().signal,
      timeout: 1_000,
      onProgress: () => {},
      onSubmitted: () => {},
      preflight: true,
      output: 'v.mp4',
      onDownloadProgress: () => {},
    };
    const params = { templateId: 'calm', videoFps: 24, typo: 1 };
    const split = splitGenerateOptions({ ...run, ...params } as GenerateVideoOptions);
    expect(split.run).toEqual(run);
    expect(split.params).toEqual(params);
  });

  it('run options and model parameters share no name', () => {
    expectTypeOf<Extract<keyof GenerateRunOptions, keyof VideoParams>>().toEqualTypeOf<never>();
  });
});
