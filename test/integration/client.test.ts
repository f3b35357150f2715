import { MockAgent } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ImageRejectedError,
  LivePortraitClient,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TaskFailedError,
  TaskUnknownError,
  ValidationError,
  VERSION,
  WaitTimeoutError,
} from '../../src/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE, recordingDispatcher } from '../helpers/setup.js';
import { EVENTUALLY } from '../helpers/timing.js';

describe('configuration', () => {
  it('without a key it fails at construction, naming DASHSCOPE_API_KEY', () => {
    vi.stubEnv('DASHSCOPE_API_KEY', '');
    expect(() => new LivePortraitClient()).toThrow(ConfigurationError);
    expect(() => new LivePortraitClient()).toThrow(/DASHSCOPE_API_KEY/);
    vi.unstubAllEnvs();
  });

  it('reads the key and base URL from the environment', async () => {
    const running = await emulator();
    vi.stubEnv('DASHSCOPE_API_KEY', API_KEY);
    vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', running.baseURL);
    const client = new LivePortraitClient({ pollSchedule: { initialMs: 10, maxMs: 10 } });
    try {
      const job = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
      expect(running.tasks.get(job.taskId)).toBeDefined();
    } finally {
      await client.close();
      vi.unstubAllEnvs();
    }
  });

  it('refuses a plain-http base URL on a non-loopback host unless told otherwise', () => {
    const base = { apiKey: API_KEY };
    expect(() => new LivePortraitClient({ ...base, baseURL: 'http://dashscope.example.com/api/v1' })).toThrow(
      ConfigurationError,
    );
    expect(() => new LivePortraitClient({ ...base, baseURL: 'not a url' })).toThrow(ConfigurationError);
    for (const baseURL of [
      'http://127.0.0.1:8080/api/v1',
      'http://localhost/api/v1',
      'http://[::1]:9/api/v1',
    ]) {
      expect(() => new LivePortraitClient({ ...base, baseURL })).not.toThrow();
    }
    expect(
      () => new LivePortraitClient({ ...base, baseURL: 'http://10.0.0.2/api/v1', allowInsecureHttp: true }),
    ).not.toThrow();
  });
});

describe('the wire format, to the letter of the model document', () => {
  it('submit: documented path and headers, snake_case body with only the parameters set', async () => {
    const running = await emulator();
    const { dispatcher, sent } = recordingDispatcher();
    const client = clientFor(running, {
      dispatcher,
      workspace: 'ws-1',
      defaultHeaders: { 'X-Trace': 'abc' },
    });
    const job = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO, videoFps: 30, pasteBack: false });

    expect(job).toEqual({ taskId: expect.any(String), status: 'PENDING', requestId: expect.any(String) });
    const [request] = sent;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/v1/services/aigc/image2video/video-synthesis/');
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
      'x-dashscope-workspace': 'ws-1',
      'x-trace': 'abc',
      'user-agent': `dashscope-liveportrait/${VERSION} node/${process.version}`,
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      model: 'liveportrait',
      input: { image_url: IMAGE, audio_url: AUDIO },
      parameters: { video_fps: 30, paste_back: false },
    });
  });

  it('oss:// URLs ask DashScope to resolve them from temporary storage', async () => {
    const running = await emulator();
    const { dispatcher, sent } = recordingDispatcher();
    const client = clientFor(running, { dispatcher });
    await client.submit({ imageUrl: 'oss://dashscope-instant/x/face.png', audioUrl: AUDIO }).catch(() => {});
    expect(sent[0]?.headers['x-dashscope-ossresourceresolve']).toBe('enable');
  });

  it('getTask, detect and cancel use their documented paths', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const { dispatcher, sent } = recordingDispatcher();
    const client = clientFor(running, { dispatcher });
    const { taskId } = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    await client.getTask(taskId);
    await client.detectImage(IMAGE);
    await client.cancelTask(taskId);
    expect(sent.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/v1/tasks/${taskId}`,
      'POST /api/v1/services/aigc/image2video/face-detect',
      `POST /api/v1/tasks/${taskId}/cancel`,
    ]);
    expect(JSON.parse(sent[2]?.body ?? '')).toEqual({
      model: 'liveportrait-detect',
      input: { image_url: IMAGE },
    });
    expect(sent[2]?.headers['x-dashscope-async']).toBeUndefined();
  });

  it("requests go to the base URL's origin under its path, with or without one; queries are form-encoded", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const answers = agent.get('https://dashscope.test');
    answers
      .intercept({
        method: 'GET',
        path: (path) => path.startsWith('/tasks?') || path.startsWith('/v2/tasks?'),
      })
      .reply(200, { request_id: 'r', data: [], total_page: 1 })
      .persist();
    answers
      .intercept({ method: 'GET', path: () => true })
      .reply(200, { request_id: 'r', output: { task_id: 't-1', task_status: 'PENDING' } })
      .persist();
    const sent: string[] = [];
    const dispatcher = agent.compose((dispatch) => (options, handler) => {
      sent.push(`${options.origin}${options.path}`);
      return dispatch(options, handler);
    });
    try {
      for (const baseURL of ['https://dashscope.test', 'https://dashscope.test/v2/']) {
        const client = new LivePortraitClient({ apiKey: API_KEY, baseURL, dispatcher, maxRetries: 0 });
        await client.getTask('t-1');
        for await (const _ of client.listTasks({ model: 'a model&more', pageSize: 5 })) break;
        await client.close();
      }
      expect(sent).toEqual([
        'https://dashscope.test/tasks/t-1',
        'https://dashscope.test/tasks?model_name=a+model%26more&page_no=1&page_size=5',
        'https://dashscope.test/v2/tasks/t-1',
        'https://dashscope.test/v2/tasks?model_name=a+model%26more&page_no=1&page_size=5',
      ]);
    } finally {
      await agent.close();
    }
  });
});

describe('a job from submit to video', () => {
  it('generateVideo resolves with the video; onSubmitted fires before any poll; progress on each change', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const order: string[] = [];
    const statuses: string[] = [];
    const video = await client.generateVideo(IMAGE, AUDIO, {
      templateId: 'calm',
      onSubmitted: ({ taskId }) =>
        order.push(`submitted ${taskId} after ${running.stats.byRoute.query ?? 0} polls`),
      onProgress: (event) => statuses.push(event.status),
    });
    expect(order).toEqual([`submitted ${video.taskId} after 0 polls`]);
    expect(statuses).toEqual([...new Set(statuses)]);
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    expect(video).toEqual({
      taskId: expect.any(String),
      requestId: expect.any(String),
      videoUrl: expect.stringContaining(`/results/${video.taskId}`),
      videoDuration: expect.any(Number),
      videoRatio: 'standard',
      submitTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/),
      scheduledTime: expect.any(String),
      endTime: expect.any(String),
    });
    expect(running.stats.tasksCreated).toBe(1);
  });

  it('waitForTask resumes any task id, from a fresh client', async () => {
    const running = await emulator();
    const { taskId } = await clientFor(running).submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    const video = await clientFor(running).waitForTask(taskId);
    expect(video.taskId).toBe(taskId);
  });

  it('a FAILED task rejects with TaskFailedError carrying DashScope code', async () => {
    const running = await emulator();
    const error = await clientFor(running)
      .generateVideo(IMAGE, 'https://example.com/fail.mp3')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).code).toMatch(/\w+/);
  });

  it('an unknown or expired task rejects with TaskUnknownError', async () => {
    const running = await emulator();
    await expect(clientFor(running).waitForTask('no-such-task')).rejects.toBeInstanceOf(TaskUnknownError);
  });

  it('detect: true rejects with the server message before any job exists', async () => {
    const running = await emulator();
    const error = await clientFor(running)
      .generateVideo('https://example.com/noface.png', AUDIO, { detect: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect((error as Error).message).toBe('No human face detected.');
    expect(running.stats.tasksCreated).toBe(0);
  });

  it('a wait deadline rejects with WaitTimeoutError naming the last status', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const error = await clientFor(running)
      .generateVideo(IMAGE, AUDIO, { timeout: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).lastStatus).toBe('PENDING');
  });

  it('cancelTask cancels a PENDING task, again without complaint; a running one answers with an APIError', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const client = clientFor(running);
    const { taskId } = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    await client.cancelTask(taskId);
    expect((await client.getTask(taskId)).status).toBe('CANCELED');
    await expect(client.cancelTask(taskId)).resolves.toBeUndefined();

    const started = await emulator({ queueMs: 0, runMs: 60_000 });
    const other = clientFor(started);
    const job = await other.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    await vi.waitFor(
      async () => expect((await other.getTask(job.taskId)).status).toBe('RUNNING'),
      EVENTUALLY,
    );
    await expect(other.cancelTask(job.taskId)).rejects.toBeInstanceOf(APIError);
  });
});

describe('bad input is rejected before anything is sent', () => {
  it.each([
    ['a parameter out of range', (c: LivePortraitClient) => c.generateVideo(IMAGE, AUDIO, { videoFps: 31 })],
    ['a bad URL', (c: LivePortraitClient) => c.submit({ imageUrl: 'ftp://x/y.png', audioUrl: AUDIO })],
    ['an unknown option', (c: LivePortraitClient) => c.generateVideo(IMAGE, AUDIO, { fps: 30 } as never)],
    ['a task id that would change the path', (c: LivePortraitClient) => c.getTask('../uploads')],
    ['a bad wait timeout', (c: LivePortraitClient) => c.waitForTask('t', { timeout: -1 })],
    ['a bad detect URL', (c: LivePortraitClient) => c.detectImage('face.png')],
  ])('%s', async (_, call) => {
    const running = await emulator();
    await expect(call(clientFor(running))).rejects.toBeInstanceOf(ValidationError);
    expect(running.stats.requests).toBe(0);
  });

  it('lists every failing field at once', async () => {
    const running = await emulator();
    const error = (await clientFor(running)
      .generateVideo('nope', AUDIO, { videoFps: 14, eyeMoveFreq: 2, templateId: 'wild' as never })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'eyeMoveFreq',
      'imageUrl',
      'templateId',
      'videoFps',
    ]);
  });
});

describe('errors from DashScope become the typed tree', () => {
  it('a wrong key is an AuthenticationError', async () => {
    const running = await emulator();
    const error = await clientFor(running, { apiKey: 'sk-wrong' })
      .submit({ imageUrl: IMAGE, audioUrl: AUDIO })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'InvalidApiKey', requestId: expect.any(String) });
  });

  it.each([
    [400, 'InvalidParameter', BadRequestError],
    [403, 'Model.AccessDenied', PermissionDeniedError],
    [404, 'ModelNotFound', NotFoundError],
    [429, 'PrepaidBillOverdue', RateLimitError],
  ] as const)('HTTP %i %s', async (status, code, ErrorClass) => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status, code });
    const error = await clientFor(running)
      .getTask('t-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, code });
    expect(running.stats.byRoute.query).toBe(1); // none of these is retried
  });

  it('an error body under HTTP 200, an HTML page and malformed JSON are APIErrors, not crashes', async () => {
    const running = await emulator();
    const client = clientFor(running, { maxRetries: 0 });
    running.faults.next(1, { route: 'query', kind: 'error-200', code: 'InvalidParameter' });
    await expect(client.getTask('t-1')).rejects.toMatchObject({ status: 200, code: 'InvalidParameter' });
    running.faults.next(1, { route: 'query', kind: 'html', status: 502 });
    await expect(client.getTask('t-1')).rejects.toMatchObject({ status: 502, code: 'HTTP502' });
    running.faults.next(1, { route: 'query', kind: 'malformed-json' });
    await expect(client.getTask('t-1')).rejects.toMatchObject({ status: 200, code: 'InvalidResponse' });
  });
});
