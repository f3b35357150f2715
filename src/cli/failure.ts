/**
 * How an error looks to the user: its exit code, the stderr lines, and the JSON `error` object.
 * Messages come from the SDK (which never puts the key in an error); the reporter redacts anyway.
 */
import {
  APIError,
  ConfigurationError,
  ImageRejectedError,
  LivePortraitError,
  SaveFailedError,
  TaskFailedError,
  ValidationError,
  WaitTimeoutError,
} from '../index.js';
import { explainIssues } from './args.js';
import { MissingDependencyError, UsageError } from './errors.js';
import { EXIT, type ExitCode, exitCodeFor } from './exit-codes.js';

/** What to print for one failure. */
export interface FailureView {
  exitCode: ExitCode;
  /** stderr lines in human modes. */
  lines: string[];
  /** Fields of the JSON object in `--json` mode (besides `ok` and `command`). */
  json: Record<string, unknown>;
}

/** One sentence per exit code on what to try next. */
const HINTS: Partial<Record<ExitCode, string>> = {
  [EXIT.AUTH_CONFIG]:
    'hint: check DASHSCOPE_API_KEY or --api-key-file (LivePortrait needs a China (Beijing) region key), ' +
    '--workspace and --base-url',
  [EXIT.RATE_LIMIT]: 'hint: DashScope is throttling this account; try again in a minute',
  [EXIT.NETWORK_SERVER]: 'hint: a network or server problem; trying again usually works',
};

/** Exit codes after which the task may still be running and worth waiting for again. */
const RESUMABLE = new Set<ExitCode>([EXIT.WAIT_TIMEOUT, EXIT.NETWORK_SERVER, EXIT.RATE_LIMIT]);

/**
 * Describes `error` for the user. `taskId` is the task this run created or waited for, if known, to
 * say how to resume.
 */
export function describeFailure(error: unknown, context: { taskId?: string | undefined } = {}): FailureView {
  const exitCode = exitCodeFor(error);
  const { lines, fields } = linesFor(error);
  const taskId = taskIdOf(error) ?? context.taskId;
  const resume = RESUMABLE.has(exitCode) && taskId ? `liveportrait wait ${taskId}` : undefined;
  if (resume) lines.push(`the task may still finish; resume with: ${resume}`);
  const hint = HINTS[exitCode];
  if (hint) lines.push(hint);
  return {
    exitCode,
    lines: lines.map((line, index) => (index === 0 ? `liveportrait: ${line}` : line)),
    json: { exitCode, error: fields, ...(taskId ? { taskId } : {}), ...(resume ? { resume } : {}) },
  };
}

function linesFor(error: unknown): { lines: string[]; fields: Record<string, unknown> } {
  if (error instanceof ValidationError) {
    const issues = explainIssues(error);
    return {
      lines: ['invalid input:', ...issues.map((issue) => `  ${issue.path}: ${issue.message}`)],
      fields: { name: error.name, message: error.message, issues },
    };
  }
  if (error instanceof UsageError || error instanceof MissingDependencyError) {
    return { lines: [error.message], fields: { name: error.name, message: error.message } };
  }
  if (error instanceof SaveFailedError) {
    // The SDK's message speaks to code (client.downloadVideo); a shell user gets the command instead.
    const again = error.taskId
      ? `retry the download with: liveportrait wait ${error.taskId} --out PATH`
      : 'retry the download with the URL above';
    return {
      lines: [
        `could not save the video to ${error.path}: ${error.reason}`,
        `video URL (valid 24 h): ${error.videoUrl}`,
        again,
      ],
      fields: { name: error.name, message: error.message, taskId: error.taskId, videoUrl: error.videoUrl },
    };
  }
  if (error instanceof APIError) {
    return {
      lines: [
        `${error.name}: ${error.message}`,
        `  code:       ${error.code}`,
        `  HTTP:       ${error.status}`,
        `  request id: ${error.requestId ?? '(none)'}`,
      ],
      fields: error.toJSON(),
    };
  }
  if (error instanceof TaskFailedError) {
    return {
      lines: [error.message, `  code:       ${error.code}`, `  request id: ${error.requestId ?? '(none)'}`],
      fields: error.toJSON(),
    };
  }
  if (error instanceof WaitTimeoutError) {
    // The SDK's message suggests waitForTask(); a shell user resumes with the command added below.
    const seen = error.lastStatus ? `last status ${error.lastStatus}` : 'no status seen';
    return {
      lines: [`gave up waiting for task ${error.taskId} (--timeout; ${seen})`],
      fields: error.toJSON(),
    };
  }
  if (error instanceof ImageRejectedError) {
    const lines = [`the image did not pass the check: ${error.message}`];
    if (error.requestId) lines.push(`  request id: ${error.requestId}`);
    return { lines, fields: error.toJSON() };
  }
  if (error instanceof ConfigurationError) {
    // The SDK's advice names its option; on the command line the same switch is a flag.
    const message = error.message.replace('pass { allowInsecureHttp: true }', 'pass --allow-insecure-http');
    return { lines: [`${error.name}: ${message}`], fields: { ...error.toJSON(), message } };
  }
  if (error instanceof LivePortraitError) {
    const cause = error.cause instanceof Error ? [`  cause: ${error.cause.message}`] : [];
    return { lines: [`${error.name}: ${error.message}`, ...cause], fields: error.toJSON() };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    lines: [`unexpected error: ${message}`],
    fields: { name: error instanceof Error ? error.name : 'Error', message },
  };
}

function taskIdOf(error: unknown): string | undefined {
  if (error instanceof WaitTimeoutError || error instanceof TaskFailedError) return error.taskId;
  if (error instanceof SaveFailedError) return error.taskId;
  if (error instanceof LivePortraitError && 'taskId' in error && typeof error.taskId === 'string') {
    return error.taskId;
  }
  return undefined;
}
