/**
 * The six commands. Each turns parsed flags into one or two SDK calls and hands the outcome to the
 * reporter; errors propagate to main.ts, which picks the exit code. Only the public surface is used.
 */
import {
  ImageRejectedError,
  type LivePortraitClient,
  type MediaInput,
  type ProgressEvent,
  type SubmitOptions,
  type Task,
  TaskUnknownError,
  type VideoResult,
} from '../index.js';
import { type CommandName, durationFlag, requireFlags, submitInputFrom, timeoutFrom } from './args.js';
import type { Command, CommandContext } from './context.js';
import { checkOutPath, saveVideo } from './save.js';

async function generate(context: CommandContext): Promise<void> {
  const { reporter, signal, values, task } = context;
  const { imageUrl, audioUrl, ...params } = submitInputFrom(values);
  const timeout = timeoutFrom(values);
  if (typeof values.out === 'string') checkOutPath(values.out);
  reporter.track(undefined, values.detect ? 'CHECKING IMAGE' : 'SUBMITTING');
  const result = await context.client.generateVideo(imageUrl, audioUrl, {
    ...params,
    detect: values.detect === true,
    preflight: values.preflight === true,
    timeout,
    signal,
    onSubmitted: ({ taskId }) => {
      task.id = taskId;
      reporter.track(taskId, 'PENDING');
      // Printed at once, before any waiting, so the id survives whatever happens next.
      reporter.info(`submitted task ${taskId}`);
    },
    onProgress: (event: ProgressEvent) => reporter.progress(event.status),
  });
  await finishWait(context, result);
}

async function submit(context: CommandContext): Promise<void> {
  const { reporter, signal, values, task } = context;
  const input = submitInputFrom(values);
  const preflight = values.preflight === true;
  if (values.detect) await checkImage(context.client, input.imageUrl, { signal, preflight });
  const job = await context.client.submit(input, { signal, preflight });
  task.id = job.taskId;
  reporter.info(`submitted task ${job.taskId}; wait for it with: liveportrait wait ${job.taskId}`);
  reporter.result('submit', { ...job }, job.taskId);
}

async function detect(context: CommandContext): Promise<void> {
  const { reporter, signal, values } = context;
  requireFlags(values, 'image');
  const check = await checkImage(context.client, String(values.image), {
    signal,
    preflight: values.preflight === true,
  });
  reporter.result('detect', { ...check }, 'pass');
}

/**
 * Prints the task and exits 0 whatever state it is in, except UNKNOWN: no such task (never existed, or
 * expired), which is exit 5 like `wait` on it, so a script can tell "not found" from "found".
 */
async function status(context: CommandContext): Promise<void> {
  const { reporter, signal } = context;
  const task = await context.client.getTask(String(context.taskId), { signal });
  if (task.status === 'UNKNOWN')
    throw new TaskUnknownError({ taskId: task.taskId, requestId: task.requestId });
  for (const line of describeTask(task)) reporter.info(line);
  reporter.result('status', { ...task }, task.status);
}

async function wait(context: CommandContext): Promise<void> {
  const { reporter, signal, values, task } = context;
  const taskId = String(context.taskId);
  const timeout = timeoutFrom(values);
  if (typeof values.out === 'string') checkOutPath(values.out);
  task.id = taskId;
  reporter.track(taskId, 'WAITING');
  reporter.info(`waiting for task ${taskId}`);
  const result = await context.client.waitForTask(taskId, {
    timeout,
    signal,
    onProgress: (event: ProgressEvent) => reporter.progress(event.status),
  });
  await finishWait(context, result);
}

async function cancel(context: CommandContext): Promise<void> {
  const { reporter, signal } = context;
  const taskId = String(context.taskId);
  await context.client.cancelTask(taskId, { signal });
  reporter.info(`canceled task ${taskId}`);
  reporter.result('cancel', { taskId, status: 'CANCELED' }, 'CANCELED');
}

/** Heartbeats well inside the 60 s request timeout MCP clients default to. */
const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/**
 * Serves the MCP tools on stdin/stdout until the client disconnects or Ctrl-C. The MCP SDK (an
 * optional peer) is loaded first, so a missing one is reported before anything else; the client (and
 * with it the key) next, so a server without a key fails at start, not at its first tool call.
 */
async function mcp(context: CommandContext): Promise<void> {
  const { reporter, signal, values } = context;
  const interval = durationFlag(values, 'progress-interval');
  const progressIntervalMs = interval === undefined ? DEFAULT_PROGRESS_INTERVAL_MS : interval;
  const { loadMcpServerSdk, serveMcp } = await import('./mcp/serve.js');
  const sdk = await loadMcpServerSdk();
  const options = {
    client: context.client,
    log: (line: string) => reporter.info(line),
    redact: (text: string) => reporter.redact(text),
    signal,
    progressIntervalMs,
  };
  await serveMcp(options, sdk);
}

/** The commands by name. */
export const COMMAND_HANDLERS: Record<CommandName, Command> = {
  generate,
  submit,
  detect,
  status,
  wait,
  cancel,
  mcp,
};

/** Runs the image check; a refused image becomes an `ImageRejectedError` (exit 5). */
async function checkImage(client: LivePortraitClient, image: MediaInput, options: SubmitOptions) {
  return ImageRejectedError.unlessPassed(await client.detectImage(image, options));
}

/** After a successful wait: save the video if asked, then print the URL or the path. */
async function finishWait(context: CommandContext, result: VideoResult): Promise<void> {
  const { reporter, values, command } = context;
  const seconds = result.videoDuration === undefined ? '' : ` (${result.videoDuration} s of video)`;
  reporter.progress('SUCCEEDED');
  reporter.info(`task ${result.taskId} SUCCEEDED${seconds}`);
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (out === undefined) {
    reporter.info('the video URL stays valid for 24 hours: download it before then');
    reporter.result(command, { ...result }, result.videoUrl);
    return;
  }
  const saved = await saveVideo(context, result, out);
  reporter.info(`saved ${saved.path} (${saved.bytes} bytes)`);
  reporter.result(command, { ...result, outputPath: saved.path, outputBytes: saved.bytes }, saved.path);
}

function describeTask(task: Task): string[] {
  const lines = [
    `task ${task.taskId}: ${task.status}${task.status === 'UNRECOGNIZED' ? ` (${task.rawStatus})` : ''}`,
  ];
  if (task.submitTime) lines.push(`  submitted: ${task.submitTime}`);
  if (task.scheduledTime) lines.push(`  started:   ${task.scheduledTime}`);
  if (task.endTime) lines.push(`  ended:     ${task.endTime}`);
  if (task.status === 'SUCCEEDED') lines.push(`  video:     ${task.videoUrl}`);
  if (task.status === 'FAILED') lines.push(`  error:     ${task.code}: ${task.message}`);
  return lines;
}
