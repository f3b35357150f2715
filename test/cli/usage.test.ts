/**
 * The command line itself: help, version, the --api-key refusal, and input mistakes (exit 2), all
 * decided before any request. No emulator is needed: nothing here may reach the network.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/index.js';
import { AUDIO, assertBuilt, cli, IMAGE, jsonOf } from './helpers.js';

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

  it('exits 3 on a base URL the SDK refuses (plain http off loopback)', async () => {
    const result = await cli(['status', 'abc', '--base-url', 'http://example.com/api/v1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('plain http on a non-loopback host');
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
    [['generate', '--image', IMAGE, '--audio', AUDIO, '--bogus'], "Unknown option '--bogus'"],
    [['generate', '--image'], "Option '--image <value>' argument missing"],
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
