/**
 * The help texts. They are the CLI's reference manual, so each command shows an example, and the
 * overview carries the exit-code table (generated from exit-codes.ts, so the two cannot drift).
 */
import { LIMITS, TEMPLATE_IDS, VERSION } from '../index.js';
import type { CommandName } from './args.js';
import { EXIT_CODE_TABLE } from './exit-codes.js';

const COMMON = `Common options:
  --json                 print exactly one JSON object on stdout, nothing else
  --base-url URL         API base URL (default: $DASHSCOPE_HTTP_BASE_URL, else DashScope Beijing)
  --allow-insecure-http  accept a plain http:// --base-url off this machine (sends the key in clear)
  --workspace ID         DashScope workspace id (X-DashScope-WorkSpace)
  --api-key-file PATH    read the API key from a file (default: $DASHSCOPE_API_KEY)
  -h, --help             show this help`;

const { videoFps, eyeMoveFreq, mouthMoveStrength, headMoveStrength } = LIMITS;

/** One option row: flag, description, and a right-hand note, in fixed columns. */
function row(flag: string, text: string, note = ''): string {
  return `  ${flag.padEnd(21)}  ${text.padEnd(54)}  ${note}`.trimEnd();
}

const VIDEO = [
  'Video options:',
  row('--image FILE|URL', 'portrait: JPEG, PNG, BMP or WebP, < 10 MB, side <= 4096', 'required'),
  row('--audio FILE|URL', 'speech: WAV or MP3, < 15 MB, 1 s to 3 min', 'required'),
  row('--template NAME', `head motion: ${TEMPLATE_IDS.join(', ')}`, 'default normal'),
  row('--fps N', `frame rate, an integer ${videoFps.min}-${videoFps.max}`, 'default 24'),
  row('--eye-freq N', `blinks per second, ${eyeMoveFreq.min}-${eyeMoveFreq.max}`, 'default 0.5'),
  row(
    '--mouth N',
    `mouth movement, ${mouthMoveStrength.min}-${mouthMoveStrength.max} (0: still)`,
    'default 1',
  ),
  row('--head N', `head movement, ${headMoveStrength.min}-${headMoveStrength.max}`, 'default 0.7'),
  row('--no-paste-back', 'return the generated face only, not pasted on the photo'),
  row('--detect', 'check the image first; stop before a billed job if it fails'),
  row('--preflight', 'check remote media against the limits first (local files', ''),
  row('', 'always are); reads only their headers'),
  '',
  'A local file is checked and uploaded to DashScope temporary storage (kept 48 h) first;',
  'a URL must be public http(s), or an oss:// URL from that storage.',
].join('\n');

const WAIT = `Wait options:
  --timeout DURATION     give up waiting after 90s, 15m, 1h, 1h30m, a number of ms, or none
                         (default 15m); the task keeps running, resume with: liveportrait wait TASK_ID
  -o, --out PATH         save the video to PATH (the URL is only valid for 24 h)
  --cancel-on-abort      on Ctrl-C, also cancel the task (DashScope cancels only PENDING tasks)`;

const TEXTS: Record<CommandName, string> = {
  generate: `Usage: liveportrait generate --image FILE|URL --audio FILE|URL [options]

Creates a talking-portrait video: submits the job, waits for it with a live status line, and prints
the video URL (or, with --out, saves the video and prints its path). Ctrl-C stops waiting and prints
how to resume; the job keeps running unless --cancel-on-abort is given.

${VIDEO}

${WAIT}

${COMMON}

Example:
  liveportrait generate --image face.png --audio voice.mp3 --template calm --fps 30 --out video.mp4
  liveportrait generate --image https://example.com/face.png --audio https://example.com/voice.mp3`,

  submit: `Usage: liveportrait submit --image FILE|URL --audio FILE|URL [options]

Creates a video job and prints its task id at once, without waiting. Wait for it later with
liveportrait wait TASK_ID.

${VIDEO}

${COMMON}

Example:
  TASK=$(liveportrait submit --image https://example.com/face.png --audio https://example.com/voice.mp3)
  liveportrait wait "$TASK" --out video.mp4`,

  detect: `Usage: liveportrait detect --image FILE|URL [options]

Checks that a portrait is usable by LivePortrait (liveportrait-detect, billed per image). Prints
"pass" and exits 0, or prints DashScope's reason and exits 5.

${row('--image FILE|URL', 'portrait to check (a local file is uploaded first)', 'required')}
${row('--preflight', 'check a remote image against the limits first')}

${COMMON}

Example:
  liveportrait detect --image https://example.com/face.png`,

  status: `Usage: liveportrait status TASK_ID [options]

Queries a task once and prints its status (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED);
details go to stderr, everything to stdout with --json. Exits 0 for any task DashScope knows, whatever
its status, and 5 for one it does not (UNKNOWN: never existed, or expired after about 24 hours).

${COMMON}

Example:
  liveportrait status 0385dc79-5ff8-4d82-bcb6-xxxxxxxxxxxx --json`,

  wait: `Usage: liveportrait wait TASK_ID [options]

Waits for an existing task (from submit, or an interrupted generate) and prints the video URL, or
with --out saves the video and prints its path. Works from any machine with the same account.

${WAIT}

${COMMON}

Example:
  liveportrait wait 0385dc79-5ff8-4d82-bcb6-xxxxxxxxxxxx --timeout 30m --out video.mp4`,

  cancel: `Usage: liveportrait cancel TASK_ID [options]

Cancels a task. DashScope cancels only PENDING (queued) tasks; a running task answers with an error
(exit 5).

${COMMON}

Example:
  liveportrait cancel 0385dc79-5ff8-4d82-bcb6-xxxxxxxxxxxx`,

  mcp: `Usage: liveportrait mcp [options]

Serves LivePortrait to AI agents as a Model Context Protocol server over stdin/stdout, for MCP
clients to start. Tools: generate_talking_video, wait_for_task, get_task, check_portrait,
inspect_media. Needs the optional package @modelcontextprotocol/sdk (npm install it next to
dashscope-liveportrait, or globally with -g if that is global); without it the command exits 9.

stdout carries only the protocol; log lines go to stderr. The server stops when the client closes
stdin, or on Ctrl-C / SIGTERM.

Server options:
  --progress-interval DURATION
                         send a progress notification at least this often during a wait, so
                         clients that reset their timeout on progress keep waiting (default 10s;
                         none: only on status changes)
  --base-url URL         API base URL (default: $DASHSCOPE_HTTP_BASE_URL, else DashScope Beijing)
  --workspace ID         DashScope workspace id (X-DashScope-WorkSpace)
  --api-key-file PATH    read the API key from a file (default: $DASHSCOPE_API_KEY)
  -h, --help             show this help

Example:
  DASHSCOPE_API_KEY=sk-... liveportrait mcp
  (in an MCP client's configuration: "command": "liveportrait", "args": ["mcp"])`,
};

/** The help of one command, or the overview when `command` is undefined. */
export function helpText(command: CommandName | undefined): string {
  return command === undefined ? overview() : TEXTS[command];
}

function overview(): string {
  const codes = EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`);
  return `liveportrait ${VERSION}: talking-portrait videos from a photo and a voice recording (DashScope LivePortrait)

Usage: liveportrait <command> [options]

Commands:
  generate   submit a video job, wait for it, print the URL or save the video (--out)
  submit     submit a video job and print its task id
  detect     check that a portrait can be used
  status     show a task's status
  wait       wait for a task and print the URL or save the video (--out)
  cancel     cancel a queued task
  mcp        serve the tools above to AI agents (Model Context Protocol, stdio)

Run liveportrait <command> --help for its options and an example. liveportrait --version prints
the version.

API key: set DASHSCOPE_API_KEY, or pass --api-key-file PATH. There is no --api-key flag on purpose:
a key on the command line is visible to other users (ps) and kept in shell history.

Output: stdout carries only the result (a URL, a path, a task id, a status); progress and errors go
to stderr: a live status line on a terminal, plain lines otherwise. --json prints one JSON object
on stdout: {"ok":true,"command":...,...} or {"ok":false,"exitCode":N,"error":{...}}.

Exit codes:
${codes.join('\n')}

Example:
  export DASHSCOPE_API_KEY=sk-...
  liveportrait generate --image https://example.com/face.png --audio https://example.com/voice.mp3 --out video.mp4`;
}
