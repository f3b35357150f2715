/**
 * The five MCP tools, each a thin layer over one `LivePortraitClient` call: arguments in DashScope's
 * names → the library's options; the answer → a tool result (results.ts). Waiting tools report
 * progress (progress.ts), stop when the client cancels the call or the server shuts down, and cancel
 * the task on the way out only when the call asked for it and the task was still PENDING.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type LivePortraitClient, ValidationError, type VideoResult, WaitTimeoutError } from '../../index.js';
import { type CallProgress, type ProgressExtra, startProgress } from './progress.js';
import { errorResult, stillRunningResult, taskResult, videoResult } from './results.js';
import {
  checkPortraitInput,
  checkPortraitOutput,
  generateInput,
  getTaskInput,
  inspectMediaInput,
  inspectMediaOutput,
  taskOutput,
  waitInput,
  waitTimeoutMs,
} from './schemas.js';

/** What the tools run with. */
export interface ToolContext {
  client: LivePortraitClient;
  /** Wall clock, for elapsed times. */
  now: () => number;
  /** Gap between heartbeat progress notifications; `null`: only on status changes. */
  progressIntervalMs: number | null;
  /** A line on stderr (stdout is the protocol's). */
  log: (line: string) => void;
  /** Removes the API key from any text. */
  redact: (text: string) => string;
  /** Aborted when the server shuts down: ends every wait. */
  shutdown: AbortSignal;
  /** Keeps a call's promise until it settles, so shutdown can let cancellations finish. */
  track: (call: Promise<unknown>) => void;
}

/** What the MCP SDK passes a tool handler, as far as these tools need it. */
type Extra = ProgressExtra & { signal: AbortSignal };

const WAIT_ROUTE =
  'If this client gives up on a tool call after a fixed time (often 60 s) even while progress ' +
  'notifications arrive, pass timeout_seconds below that limit: when it runs out you get the task id ' +
  'and its status, not an error, and continue with wait_for_task. Never submit the same video twice: ' +
  'each job is billed.';

/** Registers every tool on `server`. */
export function registerTools(server: McpServer, context: ToolContext): void {
  // Every call stops when the client cancels it or the server shuts down, and never throws.
  const guarded =
    <A>(handler: (args: A, extra: Extra, signal: AbortSignal) => Promise<CallToolResult>) =>
    (args: A, extra: Extra): Promise<CallToolResult> => {
      const signal = AbortSignal.any([extra.signal, context.shutdown]);
      const call = handler(args, extra, signal).catch((error: unknown) =>
        errorResult(error, undefined, context.redact),
      );
      context.track(call);
      return call;
    };

  server.registerTool(
    'generate_talking_video',
    {
      title: 'Generate a talking-portrait video',
      description:
        'Creates a talking-portrait MP4 with Alibaba Cloud DashScope LivePortrait from a portrait photo ' +
        'and a speech recording, waits for it, and returns a resource_link to the video plus its task id, ' +
        'URL and duration. The video URL expires 24 hours after the task ended: download it before then. ' +
        'Billed per second of video. Progress notifications (when requested) carry the task id, status ' +
        `and elapsed time. ${WAIT_ROUTE}`,
      inputSchema: generateInput,
      outputSchema: taskOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    guarded(async (args, extra, signal) => {
      const { image, audio, detect, timeout_seconds, cancel_on_abort } = args;
      return waitingCall(
        context,
        extra,
        signal,
        cancel_on_abort,
        'checking and submitting',
        (signal, progress) =>
          context.client.generateVideo(image, audio, {
            templateId: args.template_id,
            eyeMoveFreq: args.eye_move_freq,
            videoFps: args.video_fps,
            mouthMoveStrength: args.mouth_move_strength,
            pasteBack: args.paste_back,
            headMoveStrength: args.head_move_strength,
            detect,
            timeout: waitTimeoutMs(timeout_seconds),
            signal,
            onSubmitted: ({ taskId }) => {
              context.log(`submitted task ${taskId}`);
              progress.update(taskId, 'PENDING');
            },
            onProgress: (event) => progress.update(event.taskId, event.status),
          }),
      );
    }),
  );

  server.registerTool(
    'wait_for_task',
    {
      title: 'Wait for a video task',
      description:
        'Waits for an existing LivePortrait task (from generate_talking_video) to end and returns the ' +
        'video like generate_talking_video does. Use it to resume a wait that ran out or was cut off. ' +
        `The video URL expires 24 hours after the task ended. ${WAIT_ROUTE}`,
      inputSchema: waitInput,
      outputSchema: taskOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    guarded(async ({ task_id, timeout_seconds, cancel_on_abort }, extra, signal) =>
      waitingCall(
        context,
        extra,
        signal,
        cancel_on_abort,
        `waiting for task ${task_id}`,
        (signal, progress) =>
          context.client.waitForTask(task_id, {
            timeout: waitTimeoutMs(timeout_seconds),
            signal,
            onProgress: (event) => progress.update(event.taskId, event.status),
          }),
      ),
    ),
  );

  server.registerTool(
    'get_task',
    {
      title: 'Get a video task’s status',
      description:
        'Queries a LivePortrait task once: PENDING, RUNNING, SUCCEEDED (with the video link, which expires ' +
        '24 hours after the task ended), FAILED (with the reason), CANCELED or UNKNOWN (never existed, or ' +
        'expired: tasks are kept about 24 hours).',
      inputSchema: getTaskInput,
      outputSchema: taskOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    guarded(async ({ task_id }, _extra, signal) =>
      taskResult(await context.client.getTask(task_id, { signal })),
    ),
  );

  server.registerTool(
    'check_portrait',
    {
      title: 'Check a portrait',
      description:
        'Runs LivePortrait’s image check (liveportrait-detect, billed per image) on a portrait and says ' +
        'whether it can be animated, or DashScope’s reason why not (e.g. no face found). A result with ' +
        'pass: false is an answer, not an error.',
      inputSchema: checkPortraitInput,
      outputSchema: checkPortraitOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(async ({ image }, _extra, signal) => {
      const check = await context.client.detectImage(image, { signal });
      const output = { pass: check.pass, message: check.message, request_id: check.requestId };
      const text = check.pass
        ? 'The portrait passed the image check.'
        : `The portrait was rejected: ${check.message}`;
      return {
        content: [
          { type: 'text', text },
          { type: 'text', text: JSON.stringify(output) },
        ],
        structuredContent: output,
      };
    }),
  );

  server.registerTool(
    'inspect_media',
    {
      title: 'Inspect a portrait and a recording',
      description:
        'Measures a portrait and a speech recording from their bytes (format, size, width and height, ' +
        'duration) and checks them against LivePortrait’s limits, without calling the model and without ' +
        'cost. A file that breaks a limit is reported as an error naming each problem.',
      inputSchema: inspectMediaInput,
      outputSchema: inspectMediaOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    guarded(async ({ image, audio }, _extra, signal) => {
      const report = await context.client.inspectMedia({ imageUrl: image, audioUrl: audio }, { signal });
      // inspectMedia measures without refusing; this tool promises an error naming each broken limit.
      if (report.issues.length > 0) throw new ValidationError(report.issues, 'media');
      const output = {
        image: { ...report.image },
        audio: {
          format: report.audio.format,
          bytes: report.audio.bytes,
          duration_sec: report.audio.durationSec,
        },
      };
      const { width, height } = report.image;
      const text = `Image: ${report.image.format}, ${width}×${height}. Audio: ${report.audio.format}, ${report.audio.durationSec} s. Both are within the limits.`;
      return {
        content: [
          { type: 'text', text },
          { type: 'text', text: JSON.stringify(output) },
        ],
        structuredContent: output,
      };
    }),
  );
}

/**
 * Runs one waiting call with progress, and turns its outcome into a tool result. The wait stops when
 * the client cancels the call (`extra.signal`) or the server shuts down; then, if asked and the task
 * was last seen PENDING, the task is canceled, else it keeps running and the log says how to resume.
 */
async function waitingCall(
  context: ToolContext,
  extra: Extra,
  signal: AbortSignal,
  cancelOnAbort: boolean | undefined,
  initial: string,
  run: (signal: AbortSignal, progress: CallProgress) => Promise<VideoResult>,
): Promise<CallToolResult> {
  const progress = startProgress(extra, {
    now: context.now,
    intervalMs: context.progressIntervalMs,
    initial,
  });
  try {
    return videoResult(await run(signal, progress));
  } catch (error) {
    // Nothing more to tell a call that ended (or a client that left) about.
    progress.stop();
    if (error instanceof WaitTimeoutError) return stillRunningResult(error);
    if (signal.aborted) await afterAbort(context, progress, cancelOnAbort === true);
    return errorResult(error, progress.taskId, context.redact);
  } finally {
    progress.stop();
  }
}

async function afterAbort(context: ToolContext, progress: CallProgress, cancel: boolean): Promise<void> {
  const { taskId, status } = progress;
  if (taskId === undefined) {
    context.log('call canceled before a task id was received, so no task is known to have been created');
    return;
  }
  if (!cancel || status !== 'PENDING') {
    const why = cancel
      ? `it was ${status}, and only PENDING tasks can be canceled`
      : 'cancel_on_abort not set';
    context.log(`stopped waiting for task ${taskId}; it keeps running (${why}): resume with wait_for_task`);
    return;
  }
  try {
    // The call is already gone: its own signal cannot bound this, a short deadline does.
    await context.client.cancelTask(taskId, { signal: AbortSignal.timeout(10_000) });
    context.log(`stopped waiting for task ${taskId} and canceled it (cancel_on_abort)`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.log(context.redact(`stopped waiting for task ${taskId}; could not cancel it: ${reason}`));
  }
}
