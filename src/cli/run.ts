/**
 * One run of the CLI, without process-wide side effects: argv, streams, environment and an
 * interrupt signal come in, an exit code goes out. main.ts wires it to the real process.
 */
import { LivePortraitClient, VERSION } from '../index.js';
import { readApiKey } from './api-key.js';
import { type CommandName, type OptionValues, parseInvocation } from './args.js';
import { COMMAND_HANDLERS } from './commands.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { describeFailure } from './failure.js';
import { helpText } from './help.js';
import { chooseMode, type OutputStream, Reporter } from './output.js';

/** What a run reads and writes. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM; its `reason` is the signal's name. */
  interrupt: AbortSignal;
}

/** Exit code of a run stopped by a signal: 128 + the signal's number, as shells report it. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: EXIT.INTERRUPTED, SIGTERM: 143 };

/** Runs the CLI once and resolves with its exit code; never rejects. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let invocation: ReturnType<typeof parseInvocation>;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    // Flags are not parsed yet, so --json is honoured only if it was typed plainly.
    const mode = chooseMode(argv.includes('--json'), io.stderr, io.env);
    const view = describeFailure(error);
    new Reporter({ mode, stdout: io.stdout, stderr: io.stderr }).failure(undefined, view.json, view.lines);
    return view.exitCode;
  }
  if (invocation.kind === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.OK;
  }
  if (invocation.kind === 'help') {
    io.stdout.write(`${helpText(invocation.command)}\n`);
    return EXIT.OK;
  }
  const { command, values } = invocation;
  const reporter = new Reporter({
    mode: chooseMode(values.json === true, io.stderr, io.env),
    stdout: io.stdout,
    stderr: io.stderr,
  });
  const task: CommandContext['task'] = { id: undefined };
  let client: LivePortraitClient | undefined;
  const context: CommandContext = {
    // Built on first use, so that a command checks its flags before it asks for a key.
    get client() {
      client ??= createClient(values, io.env, reporter);
      return client;
    },
    reporter,
    signal: io.interrupt,
    values,
    taskId: invocation.taskId,
    task,
    command,
  };
  try {
    await COMMAND_HANDLERS[command](context);
    return EXIT.OK;
  } catch (error) {
    if (io.interrupt.aborted) return await interrupted({ command, values, task, client, reporter, io });
    const view = describeFailure(error, { taskId: task.id });
    reporter.failure(command, view.json, view.lines);
    return view.exitCode;
  } finally {
    reporter.stop();
    await client?.close();
  }
}

function createClient(values: OptionValues, env: NodeJS.ProcessEnv, reporter: Reporter): LivePortraitClient {
  const apiKey = readApiKey(values, env);
  reporter.addSecret(apiKey);
  return new LivePortraitClient({
    apiKey,
    baseURL: typeof values['base-url'] === 'string' ? values['base-url'] : undefined,
    workspace: typeof values.workspace === 'string' ? values.workspace : undefined,
    allowInsecureHttp: values['allow-insecure-http'] === true,
  });
}

/**
 * Ctrl-C: say which task exists and how to pick it up again. The task is left running (it may be
 * nearly done, and it is billed either way) unless the user asked for --cancel-on-abort.
 */
async function interrupted(state: {
  command: CommandName;
  values: OptionValues;
  task: CommandContext['task'];
  client: LivePortraitClient | undefined;
  reporter: Reporter;
  io: CliIO;
}): Promise<number> {
  const { command, values, task, client, reporter, io } = state;
  const exitCode = SIGNAL_EXIT[String(io.interrupt.reason)] ?? EXIT.INTERRUPTED;
  reporter.stop();
  const lines = ['liveportrait: interrupted'];
  const json: Record<string, unknown> = { exitCode, error: { name: 'AbortError', message: 'interrupted' } };
  if (task.id === undefined) {
    if (command === 'generate' || command === 'submit') {
      lines.push('no task id was received, so no task is known to have been created');
    }
    reporter.failure(command, json, lines);
    return exitCode;
  }
  json.taskId = task.id;
  if (values['cancel-on-abort'] === true && client) {
    const canceled = await cancelQuietly(client, task.id);
    json.canceled = canceled === true;
    lines.push(
      canceled === true ? `canceled task ${task.id}` : `could not cancel task ${task.id}: ${canceled}`,
    );
    if (canceled === true) {
      reporter.failure(command, json, lines);
      return exitCode;
    }
  } else {
    lines.push(`task ${task.id} keeps running (pass --cancel-on-abort to cancel it on Ctrl-C)`);
  }
  const out = typeof values.out === 'string' ? ` --out ${quote(values.out)}` : '';
  json.resume = `liveportrait wait ${task.id}${out}`;
  lines.push(`resume with: ${json.resume}`);
  reporter.failure(command, json, lines);
  return exitCode;
}

/** Cancels without letting a failure hide the interruption; `true`, or why it did not work. */
async function cancelQuietly(client: LivePortraitClient, taskId: string): Promise<true | string> {
  try {
    await client.cancelTask(taskId, { signal: AbortSignal.timeout(10_000) });
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Quotes a path for the resume hint only when the shell would split it. */
function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
