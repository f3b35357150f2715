/** The mapping of the AI SDK's call options to one job: inputs, parameters, warnings, validation. */
import type { Experimental_VideoModelV3CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { toLivePortraitJob } from '../../src/ai-sdk/call-options.js';
import { ValidationError } from '../../src/index.js';
import { AUDIO, IMAGE } from '../helpers/media-urls.js';

/** Call options as `experimental_generateVideo` builds them, with what a test changes. */
function call(
  overrides: Partial<Experimental_VideoModelV3CallOptions> = {},
): Experimental_VideoModelV3CallOptions {
  return {
    prompt: undefined,
    n: 1,
    aspectRatio: undefined,
    resolution: undefined,
    duration: undefined,
    fps: undefined,
    seed: undefined,
    image: { type: 'url', url: IMAGE },
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: undefined,
    providerOptions: { liveportrait: { audioUrl: AUDIO } },
    headers: { 'user-agent': 'ai/6.0.0' },
    ...overrides,
  };
}

function issuesOf(overrides: Partial<Experimental_VideoModelV3CallOptions>) {
  try {
    toLivePortraitJob(call(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('toLivePortraitJob', () => {
  it('takes the image URL, the audio, the six parameters and detect', () => {
    const job = toLivePortraitJob(
      call({
        providerOptions: {
          liveportrait: {
            audioUrl: AUDIO,
            templateId: 'active',
            eyeMoveFreq: 0.2,
            pasteBack: false,
            detect: true,
          },
        },
      }),
    );
    expect(job).toEqual({
      image: IMAGE,
      audio: AUDIO,
      params: { templateId: 'active', eyeMoveFreq: 0.2, pasteBack: false },
      detect: true,
      warnings: [],
    });
  });

  it('takes image bytes as they are, or decodes base64', () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    expect(
      toLivePortraitJob(call({ image: { type: 'file', mediaType: 'image/png', data: bytes } })).image,
    ).toBe(bytes);
    const decoded = toLivePortraitJob(
      call({ image: { type: 'file', mediaType: 'image/png', data: 'iVBORw==' } }),
    );
    expect(new Uint8Array(decoded.image as Uint8Array)).toEqual(bytes);
  });

  it('maps fps to videoFps, 15–30, and refuses it contradicting videoFps', () => {
    expect(toLivePortraitJob(call({ fps: 15 })).params).toEqual({ videoFps: 15 });
    expect(
      toLivePortraitJob(
        call({ fps: 30, providerOptions: { liveportrait: { audioUrl: AUDIO, videoFps: 30 } } }),
      ).params,
    ).toEqual({ videoFps: 30 });
    expect(issuesOf({ fps: 14 })).toEqual([{ path: 'fps', message: expect.stringContaining('got 14') }]);
    expect(issuesOf({ fps: 24.5 })).toEqual([{ path: 'fps', message: expect.stringContaining('integer') }]);
    expect(
      issuesOf({ fps: 24, providerOptions: { liveportrait: { audioUrl: AUDIO, videoFps: 25 } } }),
    ).toEqual([
      { path: 'fps', message: 'is 24 but providerOptions.liveportrait.videoFps is 25: set one of them' },
    ]);
  });

  it('lists every problem at once, under the paths the caller wrote', () => {
    expect(
      issuesOf({
        image: undefined,
        fps: 60,
        providerOptions: { liveportrait: { audioUrl: 42, headMoveStrength: 3, detect: 'yes' } },
      }).map((issue) => issue.path),
    ).toEqual([
      'prompt.image',
      'providerOptions.liveportrait.headMoveStrength',
      'providerOptions.liveportrait.audioUrl',
      'providerOptions.liveportrait.detect',
      'fps',
    ]);
    expect(issuesOf({ providerOptions: {} })).toEqual([
      { path: 'providerOptions.liveportrait.audioUrl', message: expect.stringMatching(/^is required/) },
    ]);
  });

  it('warns once per standard option it cannot honour, and not for what it does anyway', () => {
    const features = (overrides: Partial<Experimental_VideoModelV3CallOptions>) =>
      toLivePortraitJob(call(overrides)).warnings.map((warning) => {
        expect(warning.type).toBe('unsupported');
        return (warning as { feature: string }).feature;
      });
    expect(
      features({
        prompt: 'smile',
        aspectRatio: '9:16',
        resolution: '1280x720',
        duration: 4,
        seed: 1,
        n: 3,
        frameImages: [{ frameType: 'last_frame', image: { type: 'url', url: IMAGE } }],
        inputReferences: [{ type: 'url', url: IMAGE }],
        generateAudio: true,
        headers: { 'user-agent': 'ai/6', 'X-Trace': '1' },
      }),
    ).toEqual([
      'prompt',
      'aspectRatio',
      'resolution',
      'duration',
      'seed',
      'n',
      'frameImages',
      'inputReferences',
      'generateAudio',
      'headers',
    ]);
    // The video keeps the portrait's ratio: 'adaptive' is what it does. A blank prompt says nothing.
    expect(
      features({
        prompt: '  ',
        aspectRatio: 'adaptive',
        frameImages: [{ frameType: 'first_frame', image: { type: 'url', url: IMAGE } }],
        headers: { 'user-agent': 'ai/7', 'idempotency-key': 'aisdk_vid_1' },
      }),
    ).toEqual([]);
  });
});
