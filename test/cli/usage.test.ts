/**
 * The command line itself: help, version, the --api-key refusal, and input mistakes (exit 2), all
 * decided before any request. No emulator is needed: nothing here may reach the network.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/index.js';
import { AUDIO, assertBuilt, cli, emulator, IMAGE, jsonOf } from './helpers.js';

beforeAll(assertBuilt);

describe('help and version', () => {
  it('prints the version', async () => {
    const result = await cli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('lists the commands and every exit code in the overview', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['generate', 'submit', 'detect', 'status', 'wait', 'cancel', 'mcp']) {
      expect(result.stdout).toContain(`  ${command} `);
    }
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130]) {
      expect(result.stdout).toMatch(new RegExp(`^ +${code}  \\S`, 'm'));
    }
  });

  it.each(['generate', 'submit', 'detect', 'status', 'wait', 'cancel', 'mcp'])(
    '%s --help shows usage and an example',
    async (command) => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const result = await cli(args);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`Usage: liveportrait ${command}`);
        expect(result.stdout).toMatch(/Example:\n {2}.*liveportrait /);
      }
    },
  );

  it('shows the overview with no arguments', async () => {
    const result = await cli([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: liveportrait <command>');
  });
});

describe('the API key never comes from a flag', () => {
  it.each([['--api-key', 'sk-visible-in-ps'], ['--api-key=sk-visible-in-ps']])(
    'refuses %s and explains why, without echoing the value',
    async (...flag) => {
      const result = await cli(['generate', '--image', IMAGE, '--audio', AUDIO, ...flag]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/--api-key is not accepted: .*visible to other users \(ps/);
      expect(result.stderr).toContain('DASHSCOPE_API_KEY');
      expect(result.stderr).toContain('--api-key-file');
      expect(result.stderr).not.toContain('sk-visible-in-ps');
    },
  );

  it('exits 3 with a hint when no key is set', async () => {
    const result = await cli(['status', 'abc'], { env: { DASHSCOPE_API_KEY: undefined } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no API key: set DASHSCOPE_API_KEY or pass --api-key-file PATH');
  });

  it('exits 3 when --api-key-file cannot be read', async () => {
    const result = await cli(['status', 'abc', '--api-key-file', '/nonexistent/key']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--api-key-file /nonexistent/key: cannot read the file (ENOENT)');
  });

  it('exits 3 on a base URL the SDK refuses (plain http off loopback), advising the CLI flag', async () => {
    const result = await cli(['status', 'abc', '--base-url', 'http://example.com/api/v1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('plain http on a non-loopback host');
    expect(result.stderr).toContain('pass --allow-insecure-http if you really mean it');
    expect(result.stderr).not.toContain('allowInsecureHttp');
    const json = jsonOf(await cli(['status', 'abc', '--base-url', 'http://example.com/api/v1', '--json']));
    expect(json.error).toMatchObject({ message: expect.stringContaining('--allow-insecure-http') });
  });

  it('--allow-insecure-http accepts such a base URL', async () => {
    const emu = await emulator();
    // 0.0.0.0 is not loopback to the SDK's check, yet Linux delivers a connection to it to this machine.
    const baseURL = emu.baseURL.replace('127.0.0.1', '0.0.0.0');
    const refused = await cli(['status', 'no-such-task', '--base-url', baseURL]);
    expect(refused.code).toBe(3);
    const allowed = await cli(['status', 'no-such-task', '--base-url', baseURL, '--allow-insecure-http']);
    // The query reached the emulator, which does not know the task.
    expect(allowed.code).toBe(5);
    expect(emu.stats.byRoute.query).toBe(1);
  });
});

describe('input mistakes exit 2', () => {
  it('prints every invalid value on its own line, by flag name, with the text typed', async () => {
    const args = ['generate', '--image', IMAGE, '--audio', AUDIO, '--fps', 'abc', '--mouth', '9'];
    const result = await cli([...args, '--template', 'loud']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('liveportrait: invalid input:');
    expect(lines.slice(1).sort()).toEqual(
      [
        '  --fps: must be an integer from 15 to 30 (inclusive); got "abc"',
        '  --mouth: must be a number from 0 to 1.5 (inclusive); got 9',
        '  --template: must be one of normal, calm, active; got "loud"',
      ].sort(),
    );
  });

  it('checks input before it needs a key', async () => {
    const result = await cli(['submit', '--image', IMAGE, '--audio', AUDIO, '--fps', '31'], {
      env: { DASHSCOPE_API_KEY: undefined },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fps: must be an integer from 15 to 30 (inclusive); got 31');
  });

  it('--fps abc says got "abc" in the message and in the issues alike', async () => {
    const result = await cli(['submit', '--image', IMAGE, '--audio', AUDIO, '--fps', 'abc', '--json']);
    expect(result.code).toBe(2);
    const error = jsonOf(result).error as { message: string; issues: { path: string; message: string }[] };
    expect(error.issues).toEqual([
      { path: '--fps', message: 'must be an integer from 15 to 30 (inclusive); got "abc"' },
    ]);
    expect(error.message).toContain('got "abc"');
    expect(JSON.stringify(result)).not.toContain('NaN');
    const human = await cli(['submit', '--image', IMAGE, '--audio', AUDIO, '--fps', 'abc']);
    expect(human.stderr).toContain('--fps: must be an integer from 15 to 30 (inclusive); got "abc"');
    expect(human.stderr).not.toContain('NaN');
  });

  it('reports issues as JSON with --json', async () => {
    const result = await cli(['submit', '--image', IMAGE, '--audio', AUDIO, '--head', '', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    expect(jsonOf(result)).toEqual({
      ok: false,
      command: 'submit',
      exitCode: 2,
      error: {
        name: 'ValidationError',
        message: expect.any(String),
        issues: [{ path: '--head', message: 'must be a number from 0 to 1 (inclusive); got ""' }],
      },
    });
  });

  it.each([
    [['generate', '--audio', AUDIO], 'missing --image'],
    [['detect'], 'missing --image'],
    [['generate', '--image', IMAGE, '--audio', AUDIO, '--timeout', 'soon'], '--timeout must be a duration'],
    [['generate', '--image', IMAGE, '--audio', AUDIO, '--bogus'], 'unknown option --bogus'],
    [['generate', '--image'], '--image needs a value'],
    [['generate', '--image', IMAGE, '--audio', AUDIO, '--out', '/nonexistent/v.mp4'], 'does not exist'],
    [['wait', 'task-1', '--out', '.'], 'is a directory'],
    [['status'], 'status takes exactly one TASK_ID'],
    [['wait', 'a', 'b'], 'wait takes exactly one TASK_ID'],
    [['cancel', 'a/b'], 'TASK_ID: must not contain "/"'],
    [['render'], 'unknown command "render"'],
    [['--fps', '20'], 'a command comes first'],
  ])('%j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('a flag the command does not take', () => {
  it.each([
    [['status', 'abc', '--bogus'], 'unknown option --bogus (see liveportrait status --help)'],
    [['status', 'abc', '-x'], 'unknown option -x (see liveportrait status --help)'],
    [['generate', '--no-image', 'x'], 'unknown option --no-image (see liveportrait generate --help)'],
    [['status', 'abc', '--json=yes'], '--json takes no value (see liveportrait status --help)'],
    [['detect', '--image'], '--image needs a value (see liveportrait detect --help)'],
    [
      ['detect', '--image', '--preflight'],
      '--image needs a value (one that starts with "-" goes as --image=VALUE) (see liveportrait detect --help)',
    ],
  ])('%j: our own one-line usage error, exit 2', async (args, line) => {
    const result = await cli(args);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `liveportrait: ${line}\n` });
  });

  it('never echoes the value given to an unknown flag', async () => {
    const result = await cli(['status', 'abc', '--token=sk-secret-value']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('liveportrait: unknown option --token (see liveportrait status --help)\n');
  });

  it('with --json: one JSON object naming the flag', async () => {
    const result = await cli(['status', 'abc', '--bogus', '--json']);
    expect(result.code).toBe(2);
    expect(jsonOf(result)).toEqual({
      ok: false,
      exitCode: 2,
      error: { name: 'UsageError', message: 'unknown option --bogus (see liveportrait status --help)' },
    });
  });
});
