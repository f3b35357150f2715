/**
 * Shared set-up for the emulator's own tests: an emulator on a manual clock and a real loopback port,
 * and a plain undici client (not the SDK: these tests pin the wire format the SDK is written against).
 */
import { Agent, request } from 'undici';
import {
  createManualClock,
  type ManualClock,
  type RunningEmulator,
  type StartEmulatorOptions,
  startEmulator,
} from '../../src/testing/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { AUDIO, IMAGE } from '../helpers/media-urls.js';

export const KEY = 'sk-test';
export { AUDIO, IMAGE };
export const SUBMIT_PATH = '/services/aigc/image2video/video-synthesis/';

/** One agent per test, so keep-alive sockets from one test never serve the next. */
function agent(): Agent {
  const dispatcher = new Agent();
  onCleanup(() => dispatcher.destroy());
  return dispatcher;
}

export interface Harness {
  emu: RunningEmulator;
  clock: ManualClock;
  /** Sends a request to `path` (relative to the API base, or absolute). */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Submits a valid job (plus `input`/`parameters` overrides) and returns its task id. */
  submit(overrides?: {
    input?: Record<string, unknown>;
    parameters?: Record<string, unknown>;
  }): Promise<string>;
}

export interface CallOptions {
  body?: unknown;
  /** API key; `null` sends no Authorization header. Default `sk-test`. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: Uint8Array;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary JSON answers
  json: any;
}

/** An emulator with `apiKeys: ['sk-test']` on a manual clock, closed after the test. */
export async function harness(options: StartEmulatorOptions = {}): Promise<Harness> {
  const clock = createManualClock();
  const emu = await startEmulator({ now: clock.now, apiKeys: [KEY], ...options });
  onCleanup(() => emu.close());
  const dispatcher = agent();

  const call: Harness['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? KEY : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const url = path.startsWith('http') ? path : `${emu.baseURL}${path}`;
    const answer = await request(url, { method: method as 'GET', headers, body, dispatcher });
    const bytes = new Uint8Array(await answer.body.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: answer.statusCode, headers: answer.headers, text, bytes, json };
  };

  const submit: Harness['submit'] = async (overrides = {}) => {
    const answer = await call('POST', SUBMIT_PATH, {
      headers: { 'x-dashscope-async': 'enable' },
      body: {
        model: 'liveportrait',
        input: { image_url: IMAGE, audio_url: AUDIO, ...overrides.input },
        parameters: { template_id: 'normal', ...overrides.parameters },
      },
    });
    if (answer.status !== 200) throw new Error(`submit failed: ${answer.status} ${answer.text}`);
    return answer.json.output.task_id as string;
  };

  return { emu, clock, call, submit };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const TASK_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
