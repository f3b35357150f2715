/**
 * The command line: which options each command takes, parsing with `node:util` `parseArgs`, and the
 * mapping from flag text to the SDK's inputs. Ranges are NOT checked here: numbers go to the SDK as
 * `Number(text)` and its schemas report what is wrong, so the CLI and the library never disagree.
 */
import { parseArgs } from 'node:util';
import {
  type SubmitMediaInput,
  taskIdSchema,
  ValidationError,
  type ValidationIssue,
  videoParamsSchema,
} from '../index.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';

/** The commands, in the order help lists them. */
export const COMMANDS = ['generate', 'submit', 'detect', 'status', 'wait', 'cancel', 'mcp'] as const;
/** One of {@link COMMANDS}. */
export type CommandName = (typeof COMMANDS)[number];

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

const COMMON = {
  json: { type: 'boolean' },
  'base-url': { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
  workspace: { type: 'string' },
  'api-key-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies Record<string, OptionSpec>;

const VIDEO = {
  image: { type: 'string' },
  audio: { type: 'string' },
  template: { type: 'string' },
  fps: { type: 'string' },
  'eye-freq': { type: 'string' },
  mouth: { type: 'string' },
  head: { type: 'string' },
  // Declared positively; `allowNegative` turns `--no-paste-back` into `paste-back: false`.
  'paste-back': { type: 'boolean' },
  detect: { type: 'boolean' },
  preflight: { type: 'boolean' },
} satisfies Record<string, OptionSpec>;

const WAIT = {
  timeout: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'cancel-on-abort': { type: 'boolean' },
} satisfies Record<string, OptionSpec>;

// stdout is the MCP protocol's, so the server has no --json; the rest of COMMON applies.
const { json: _json, ...SERVER } = COMMON;

const OPTIONS: Record<CommandName, Record<string, OptionSpec>> = {
  generate: { ...COMMON, ...VIDEO, ...WAIT },
  submit: { ...COMMON, ...VIDEO },
  detect: { ...COMMON, image: VIDEO.image, preflight: VIDEO.preflight },
  status: COMMON,
  wait: { ...COMMON, ...WAIT },
  cancel: COMMON,
  mcp: { ...SERVER, 'progress-interval': { type: 'string' } },
};

/** Commands that take one positional TASK_ID. */
const TAKES_TASK_ID = new Set<CommandName>(['status', 'wait', 'cancel']);

/** Option values as parsed: strings for string flags, booleans for boolean flags. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** What the command line asked for. */
export type Invocation =
  | { kind: 'version' }
  | { kind: 'help'; command: CommandName | undefined }
  | { kind: 'run'; command: CommandName; values: OptionValues; taskId: string | undefined };

/** Maps the SDK's field paths back to the flags a user typed, for error messages. */
export const FLAG_FOR_PATH: Record<string, string> = {
  imageUrl: '--image',
  audioUrl: '--audio',
  // The client's checks of local files name the medium, not the field.
  image: '--image',
  audio: '--audio',
  templateId: '--template',
  videoFps: '--fps',
  eyeMoveFreq: '--eye-freq',
  mouthMoveStrength: '--mouth',
  headMoveStrength: '--head',
  pasteBack: '--paste-back',
  taskId: 'TASK_ID',
};

/** Reads argv (without `node` and the script) into an {@link Invocation}; throws {@link UsageError}. */
export function parseInvocation(argv: readonly string[]): Invocation {
  refuseApiKeyFlag(argv);
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (first === '--help' || first === '-h') return { kind: 'help', command: undefined };
  if (first === 'help') return { kind: 'help', command: rest[0] ? commandName(rest[0]) : undefined };
  const command = commandName(first);
  const { values, positionals } = parseCommandArgs(command, rest);
  if (values.help) return { kind: 'help', command };
  return { kind: 'run', command, values, taskId: taskIdFrom(command, positionals) };
}

function commandName(text: string): CommandName {
  if ((COMMANDS as readonly string[]).includes(text)) return text as CommandName;
  const hint = text.startsWith('-') ? 'a command comes first' : `unknown command ${JSON.stringify(text)}`;
  throw new UsageError(`${hint}; commands: ${COMMANDS.join(', ')} (see liveportrait --help)`);
}

function parseCommandArgs(command: CommandName, args: string[]) {
  const options = OPTIONS[command];
  // Our own wording, one line: parseArgs' messages span lines and quote unevenly. The lenient pass
  // reads the tokens without judging them; each is then checked against the command's options.
  const { tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    allowNegative: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    const problem = token.kind === 'option' ? optionProblem(token, options) : undefined;
    if (problem) throw new UsageError(`${problem} (see liveportrait ${command} --help)`);
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, allowNegative: true, strict: true });
    return { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch (error) {
    // Not reached while optionProblem knows every rule parseArgs enforces; its first line, just in case.
    // parseArgs names only the option, never a value after `=`, so its message is safe to show.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message} (see liveportrait ${command} --help)`);
  }
}

/** An option token as the lenient parseArgs pass reports it. */
interface OptionToken {
  name: string;
  rawName: string;
  value?: string | undefined;
  inlineValue?: boolean | undefined;
}

/**
 * What is wrong with one option as typed, in one line, or undefined when it is fine. Never echoes a
 * value: a misplaced secret must not end up on the screen or in a log.
 */
function optionProblem(token: OptionToken, options: Record<string, OptionSpec>): string | undefined {
  const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
  const negated = token.rawName.startsWith('--no-');
  if (!spec || (negated && spec.type !== 'boolean')) return `unknown option ${token.rawName}`;
  if (spec.type === 'boolean')
    return token.value === undefined ? undefined : `${token.rawName} takes no value`;
  if (token.value === undefined) return `${token.rawName} needs a value`;
  // `--image --json`: the next flag was taken as the value, which is almost always a forgotten value.
  if (!token.inlineValue && token.value.startsWith('-'))
    return `${token.rawName} needs a value (one that starts with "-" goes as ${token.rawName}=VALUE)`;
  return undefined;
}

function taskIdFrom(command: CommandName, positionals: string[]): string | undefined {
  if (!TAKES_TASK_ID.has(command)) {
    if (positionals.length > 0) {
      throw new UsageError(`${command} takes no positional arguments; got ${JSON.stringify(positionals[0])}`);
    }
    return undefined;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`${command} takes exactly one TASK_ID (see liveportrait ${command} --help)`);
  }
  const result = taskIdSchema.safeParse(positionals[0]);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ path: 'taskId', message: issue.message }));
    throw new ValidationError(issues, 'task id');
  }
  return result.data;
}

/**
 * A key given as a flag value is visible to every user of the machine (`ps`, /proc) and is kept in
 * shell history, so the flag does not exist; this says why instead of a bare "unknown option".
 */
function refuseApiKeyFlag(argv: readonly string[]): void {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  if (options.some((arg) => arg === '--api-key' || arg.startsWith('--api-key='))) {
    throw new UsageError(
      '--api-key is not accepted: a key on the command line is visible to other users (ps, /proc) ' +
        'and stays in shell history. Set DASHSCOPE_API_KEY, or put the key in a file readable only ' +
        'by you and pass --api-key-file PATH.',
    );
  }
}

/** Checks that every named string flag was given. */
export function requireFlags(values: OptionValues, ...names: string[]): void {
  const missing = names.filter((name) => typeof values[name] !== 'string' || values[name] === '');
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(' and ')} (a URL or a file)`);
  }
}

/**
 * The submit input from the flags. The six parameters are checked with the SDK's own schema before
 * any key is needed, so `liveportrait generate --fps 99` says what is wrong even without
 * credentials; the media (a URL or a local file) are checked by the client, which reads local files.
 * Unset parameters stay undefined (DashScope's defaults apply); a number flag that is not a number is
 * passed on as the text typed, which the schema refuses with that text (`got "abc"`).
 */
export function submitInputFrom(values: OptionValues): SubmitMediaInput {
  requireFlags(values, 'image', 'audio');
  const params = {
    templateId: stringFlag(values.template),
    videoFps: numberFlag(values.fps),
    eyeMoveFreq: numberFlag(values['eye-freq']),
    mouthMoveStrength: numberFlag(values.mouth),
    headMoveStrength: numberFlag(values.head),
    pasteBack: typeof values['paste-back'] === 'boolean' ? values['paste-back'] : undefined,
  };
  const result = videoParamsSchema.safeParse(params);
  if (!result.success) throw ValidationError.fromZod(result.error, 'input');
  return { ...result.data, imageUrl: String(values.image), audioUrl: String(values.audio) };
}

/** `--timeout` in ms; `null` for `none`; undefined when not given (the SDK's default, 15 minutes). */
export function timeoutFrom(values: OptionValues): number | null | undefined {
  return durationFlag(values, 'timeout');
}

/** A duration flag in ms; `null` for `none`; undefined when not given. Zero is refused. */
export function durationFlag(values: OptionValues, name: string): number | null | undefined {
  const text = stringFlag(values[name]);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) {
    throw new UsageError(
      `--${name} must be a duration such as 90s, 15m, 1h or a number of ms (or none); got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The number typed, or the text itself when it is not one (`abc`, and `''`, which Number() would read
 * as 0): the schema then says `got "abc"`, in the message and in every issue alike.
 */
function numberFlag(value: string | boolean | undefined): number | string | undefined {
  if (typeof value !== 'string') return undefined;
  const number = Number(value);
  return value.trim() === '' || Number.isNaN(number) ? value : number;
}

/**
 * Rewrites the SDK's issues in the user's terms: flag names instead of field names, e.g.
 * `--fps: must be an integer from 15 to 30 (inclusive); got "abc"`.
 */
export function explainIssues(error: ValidationError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: FLAG_FOR_PATH[issue.path] ?? issue.path,
    message: issue.message,
  }));
}
