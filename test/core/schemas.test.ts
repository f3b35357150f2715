import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  submitInputSchema,
  taskFromWire,
  taskIdSchema,
  taskResponseWireSchema,
  toSubmitRequestWire,
} from '../../src/schemas.js';
import { DOC_SUBMIT_REQUEST, DOC_TASK_FAILED, DOC_TASK_SUCCEEDED } from '../fixtures/model-doc.js';

const urls = { imageUrl: 'https://example.com/face.png', audioUrl: 'https://example.com/voice.mp3' };

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  const result = submitInputSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('submit input validation mirrors every documented limit', () => {
  const numeric = [
    ['eyeMoveFreq', LIMITS.eyeMoveFreq],
    ['mouthMoveStrength', LIMITS.mouthMoveStrength],
    ['headMoveStrength', LIMITS.headMoveStrength],
    ['videoFps', LIMITS.videoFps],
  ] as const;

  it.each(numeric)('%s accepts both inclusive bounds', (field, { min, max }) => {
    expect(issuesOf({ ...urls, [field]: min })).toEqual([]);
    expect(issuesOf({ ...urls, [field]: max })).toEqual([]);
  });

  it.each(numeric)(
    '%s rejects values just outside, naming the range and the value',
    (field, { min, max }) => {
      const step = field === 'videoFps' ? 1 : 0.001;
      for (const bad of [min - step, max + step]) {
        const issues = issuesOf({ ...urls, [field]: bad });
        expect(issues).toHaveLength(1);
        expect(issues[0]?.path).toBe(field);
        expect(issues[0]?.message).toContain(`from ${min} to ${max} (inclusive)`);
        expect(issues[0]?.message).toContain(`got ${bad}`);
      }
    },
  );

  it('documents the exact numbers of the model page', () => {
    expect([LIMITS.eyeMoveFreq.min, LIMITS.eyeMoveFreq.max]).toEqual([0, 1]);
    expect([LIMITS.videoFps.min, LIMITS.videoFps.max]).toEqual([15, 30]);
    expect([LIMITS.mouthMoveStrength.min, LIMITS.mouthMoveStrength.max]).toEqual([0, 1.5]);
    expect([LIMITS.headMoveStrength.min, LIMITS.headMoveStrength.max]).toEqual([0, 1]);
  });

  it('videoFps must be an integer; NaN and Infinity are never numbers in range', () => {
    expect(issuesOf({ ...urls, videoFps: 24.5 })[0]?.message).toMatch(/integer/);
    expect(issuesOf({ ...urls, eyeMoveFreq: Number.NaN })).toHaveLength(1);
    expect(issuesOf({ ...urls, headMoveStrength: Number.POSITIVE_INFINITY })).toHaveLength(1);
    expect(issuesOf({ ...urls, mouthMoveStrength: '1' })).toHaveLength(1);
  });

  it('templateId is one of normal, calm, active', () => {
    for (const templateId of ['normal', 'calm', 'active'])
      expect(issuesOf({ ...urls, templateId })).toEqual([]);
    expect(issuesOf({ ...urls, templateId: 'wild' })[0]?.message).toBe(
      'must be one of normal, calm, active; got "wild"',
    );
  });

  it('pasteBack is a boolean', () => {
    expect(issuesOf({ ...urls, pasteBack: false })).toEqual([]);
    expect(issuesOf({ ...urls, pasteBack: 'false' })).toHaveLength(1);
  });

  it('accepts http, https and oss URLs, with or without a file extension', () => {
    for (const url of [
      'http://a/a.jpg',
      'https://cdn.example.com/signed?X-Sig=abc',
      'oss://dashscope-instant/x/face.png',
    ]) {
      expect(issuesOf({ imageUrl: url, audioUrl: url })).toEqual([]);
    }
  });

  it('rejects other schemes, relative paths and non-strings', () => {
    for (const url of ['ftp://a/b.png', 'face.png', '', 'javascript:alert(1)', 42]) {
      expect(issuesOf({ ...urls, imageUrl: url })[0]?.path).toBe('imageUrl');
    }
  });

  it('lists every failing field at once', () => {
    const issues = issuesOf({ imageUrl: 'nope', audioUrl: 'nope', videoFps: 99, eyeMoveFreq: -1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['audioUrl', 'eyeMoveFreq', 'imageUrl', 'videoFps']);
  });

  it('rejects unknown keys (typos such as fps) instead of dropping them silently', () => {
    expect(issuesOf({ ...urls, fps: 30 })).toHaveLength(1);
  });
});

describe('toSubmitRequestWire', () => {
  it('maps camelCase to the documented snake_case body', () => {
    const valid = submitInputSchema.parse({
      imageUrl: DOC_SUBMIT_REQUEST.input.image_url,
      audioUrl: DOC_SUBMIT_REQUEST.input.audio_url,
      templateId: 'normal',
      eyeMoveFreq: 0.5,
      videoFps: 30,
      mouthMoveStrength: 1,
      pasteBack: true,
      headMoveStrength: 0.7,
    });
    expect(toSubmitRequestWire(valid)).toEqual(DOC_SUBMIT_REQUEST);
  });

  it('sends only the parameters the caller set, so the server defaults apply', () => {
    expect(toSubmitRequestWire(submitInputSchema.parse(urls))).toEqual({
      model: 'liveportrait',
      input: { image_url: urls.imageUrl, audio_url: urls.audioUrl },
    });
    const wire = toSubmitRequestWire(
      submitInputSchema.parse({ ...urls, pasteBack: false, mouthMoveStrength: 0 }),
    );
    expect(wire.parameters).toEqual({ paste_back: false, mouth_move_strength: 0 });
  });
});

describe('taskFromWire', () => {
  it('maps the documented SUCCEEDED example', () => {
    const task = taskFromWire(taskResponseWireSchema.parse(DOC_TASK_SUCCEEDED));
    expect(task).toEqual({
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
      taskId: 'a1c69ca5-810b-49ae-8b20-xxxxxx',
      requestId: 'b64e9c68-3923-462d-b25a-xxxxxx',
      submitTime: '2025-12-26 11:33:03.146',
      scheduledTime: '2025-12-26 11:33:13.312',
      endTime: '2025-12-26 11:33:22.455',
      videoUrl: 'http://dashscope-result-sh.oss-cn-shanghai.aliyuncs.com/xxx.mp4?Expires=xxx',
      videoDuration: 2.79,
      videoRatio: 'standard',
    });
  });

  it('maps the documented FAILED example with its code and message', () => {
    const task = taskFromWire(taskResponseWireSchema.parse(DOC_TASK_FAILED));
    expect(task).toMatchObject({
      status: 'FAILED',
      code: 'xxx',
      message: 'xxxxxx',
      taskId: 'a8532587-fa8c-4ef8-82be-xxxxxx',
    });
  });

  it('keeps an unknown status as UNRECOGNIZED with the raw string, not as final', () => {
    const wire = { request_id: 'r', output: { task_id: 't', task_status: 'WARMING_UP' } };
    expect(taskFromWire(taskResponseWireSchema.parse(wire))).toMatchObject({
      status: 'UNRECOGNIZED',
      rawStatus: 'WARMING_UP',
    });
  });

  it('treats SUCCEEDED without a video URL as a failure rather than a result', () => {
    const wire = { request_id: 'r', output: { task_id: 't', task_status: 'SUCCEEDED' } };
    expect(taskFromWire(taskResponseWireSchema.parse(wire))).toMatchObject({
      status: 'FAILED',
      code: 'MissingVideoUrl',
    });
  });
});

describe('taskIdSchema', () => {
  it('accepts DashScope task ids', () => {
    expect(taskIdSchema.safeParse('a8532587-fa8c-4ef8-82be-0c46b17950d1').success).toBe(true);
  });

  it.each(['', 'a/b', '../x', 'a?b', 'a#b', 'a b', 'a\tb', '%2F', 'a\\b'])('rejects %j', (id) => {
    expect(taskIdSchema.safeParse(id).success).toBe(false);
  });
});
