/** The AI SDK model with `ai` 6 (specification v3), what npm installs on Node 20. */
import { experimental_generateVideo } from 'ai';
import { describe, expect, it } from 'vitest';
import { liveportrait } from '../../src/ai-sdk/index.js';
import { type GenerateVideo, generateVideoSuite } from './generate-suite.js';

generateVideoSuite('ai@6', async () => experimental_generateVideo as unknown as GenerateVideo);

describe('ai@6 type compatibility', () => {
  it('accepts liveportrait.video() as its VideoModel', () => {
    type ModelParameter = Parameters<typeof experimental_generateVideo>[0]['model'];
    const model: ModelParameter = liveportrait.video();
    expect(model.specificationVersion).toBe('v3');
  });
});
