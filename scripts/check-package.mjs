#!/usr/bin/env node
// Checks the package as a user gets it: the tarball `npm pack` makes, installed into a fresh project.
//
//   npm run build && npm run check:package
//
// Unit tests run against src/; only this script proves that the exports map, the two module formats,
// the .d.ts/.d.cts files and the bins work once published. It packs once and every check looks at that
// same tarball: publint (strict), attw, the file list, then an install into a throwaway project in
// os.tmpdir(), first without msw (the main entry under node and tsx, and the one-line advice of
// ./testing and the emulator bin), then with it: imports, requires, type-checks and runs the bins.
// One line per check; exit 1 if any fails.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const NAME = pkg.name;

// The package's own public surface, as a user reaches it.
const MAIN_EXPORTS = ['LivePortraitClient', 'generateVideo', 'LivePortraitError'];
const TESTING_EXPORTS = ['startEmulator', 'createEmulatorDispatcher'];
const AI_SDK_EXPORTS = ['createLivePortrait'];
const REDIS_EXPORTS = ['createRedisCoordinator'];
const TYPED_EXPORTS = [...MAIN_EXPORTS, ...TESTING_EXPORTS, ...AI_SDK_EXPORTS, ...REDIS_EXPORTS];
// Which source each built bin comes from (tsup.config.ts), to say what is missing when a bin is.
const BIN_SOURCES = { 'dist/cli.js': 'src/cli/main.ts', 'dist/emulator.js': 'src/testing/bin.ts' };
// What may ship. Anything else in the tarball is a leak of the repo (tests, sources, assets, secrets).
const ALLOWED_TOP = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);

// ---------------------------------------------------------------------------------------------------
// Reporting

const results = [];
function line(status, name, detail) {
  console.log(`${status.padEnd(4)}  ${name}${detail ? ` — ${detail}` : ''}`);
}
function indent(text) {
  return String(text)
    .trimEnd()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}
/** A failed check: `message` goes on the check's line, `output` (tool output) below it. */
class CheckFailed extends Error {
  constructor(message, output = '') {
    super(message);
    this.output = output;
  }
}
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    line('PASS', name, detail);
  } catch (err) {
    results.push({ name, ok: false });
    line('FAIL', name, err instanceof CheckFailed ? err.message : String(err?.stack ?? err));
    if (err?.output) console.log(indent(err.output));
  }
}
function skip(name, why) {
  results.push({ name, ok: false });
  line('FAIL', name, `not run: ${why}`);
}

// ---------------------------------------------------------------------------------------------------
// Processes

// npm exports its own run state to scripts; a nested npm in another directory must not inherit the
// repo as its prefix, so the child environment drops what `npm run` set for this package.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_(config_local_prefix|package_|lifecycle_)/i.test(k) && k !== 'INIT_CWD',
  ),
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Runs a command to completion; `out` is stdout then stderr, for showing; `stdout` alone, for parsing. */
function run(cmd, args, { cwd = root, timeout = 300_000 } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: childEnv,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  const stdout = r.stdout ?? '';
  const out = `${stdout}${r.stderr ?? ''}`;
  if (r.error) return { status: -1, out: `${out}\n${r.error.message}`, stdout };
  return { status: r.status ?? -1, out, stdout };
}
/** A bin of one of this repo's devDependencies, run with this node. */
function devBin(pkgName, binName) {
  const dir = join(root, 'node_modules', pkgName);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const rel = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[binName];
  return join(dir, rel);
}
/** npm's noise that says nothing about this package. */
function quiet(out) {
  return out
    .split('\n')
    .filter((l) => !/^npm warn (Unknown (user|env) config|install-scripts)/.test(l))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The checks

const work = mkdtempSync(join(tmpdir(), 'lp-check-package-'));
const packDir = join(work, 'pack');
const unpacked = join(work, 'unpacked');
const consumer = join(work, 'consumer');
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

try {
  await main();
} finally {
  cleanup();
}
const failed = results.filter((r) => !r.ok);
console.log(
  failed.length === 0
    ? `check:package: all ${results.length} checks passed`
    : `check:package: ${failed.length} of ${results.length} checks failed: ${failed.map((r) => r.name).join('; ')}`,
);
process.exit(failed.length === 0 ? 0 : 1);

async function main() {
  console.log(`check:package: ${NAME}@${pkg.version}, node ${process.version}, scratch ${work}`);

  // 0. The build output the package.json points at. Without dist/ nothing else means anything.
  if (!existsSync(join(root, 'dist'))) {
    skip('build output', 'dist/ does not exist — run `npm run build` first');
    return;
  }
  await check('build output (every file package.json points at)', () => {
    const missing = packageTargets().filter((p) => !existsSync(join(root, p)));
    if (missing.length === 0) return `${packageTargets().length} files present`;
    const why = missing.map((p) => {
      const src = BIN_SOURCES[p];
      if (src && !existsSync(join(root, src))) return `${p} (its source ${src} does not exist yet)`;
      return `${p} (not built — did \`npm run build\` fail?)`;
    });
    throw new CheckFailed(`missing: ${why.join(', ')}`);
  });

  // 1. Pack once; every later check reads this tarball.
  mkdirSync(packDir, { recursive: true });
  const packed = run(npm, ['pack', '--json', '--pack-destination', packDir]);
  let info;
  try {
    const json = packed.stdout.slice(packed.stdout.indexOf('['), packed.stdout.lastIndexOf(']') + 1);
    info = JSON.parse(json)[0];
  } catch {
    /* reported below */
  }
  if (packed.status !== 0 || !info) {
    skip('npm pack', `npm pack exited ${packed.status}`);
    console.log(indent(quiet(packed.out)));
    return;
  }
  const tarball = join(packDir, info.filename);
  const files = info.files.map((f) => f.path);
  line(
    'INFO',
    `tarball ${info.filename}`,
    `${kb(info.size)} packed, ${kb(info.unpackedSize)} unpacked, ${info.entryCount} files`,
  );

  await check('publint --strict', () => {
    const r = run(process.execPath, [devBin('publint', 'publint'), 'run', tarball, '--strict']);
    if (r.status !== 0) throw new CheckFailed(`publint exited ${r.status}`, r.out);
    const last = r.out.trim().split('\n').at(-1) ?? '';
    // Suggestions do not fail --strict, but a clean package has none: show them if there are any.
    if (!/all good/i.test(r.out)) throw new CheckFailed('publint reported suggestions', r.out);
    return last.trim();
  });

  // node16 profile: the package is dual ESM/CJS behind an exports map, which node10-style resolution
  // (no exports support) cannot see for subpaths like ./testing; every modern resolution must pass.
  await check('attw --profile node16', () => {
    const r = run(process.execPath, [
      devBin('@arethetypeswrong/cli', 'attw'),
      tarball,
      '--profile',
      'node16',
      '--format',
      'table',
      '--no-emoji',
      '--no-color',
    ]);
    if (r.status !== 0) throw new CheckFailed(`attw exited ${r.status}`, r.out);
    return 'no problems in node16 (CJS and ESM) or bundler resolution';
  });

  await check('tarball contents (only dist/ + docs; no tests, sources, assets, .env)', () => {
    const bad = files.filter((p) => junkReason(p));
    if (bad.length)
      throw new CheckFailed(
        `${bad.length} files must not ship`,
        bad.map((p) => `${p}: ${junkReason(p)}`).join('\n'),
      );
    return `${files.length} files: ${summarizeFiles(files)}`;
  });

  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  const pkgRoot = join(unpacked, 'package');
  await check('sourcemaps (no paths outside the package, sources embedded)', () =>
    checkSourcemaps(pkgRoot, files),
  );

  // 2. A fresh project that installs the tarball like a user would.
  mkdirSync(consumer, { recursive: true });
  writeFileSync(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'lp-consumer', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  let installed = false;
  // First without msw: the main entry must not need it, and ./testing and the emulator bin must say
  // in one line what to install. msw is added after these checks.
  await check('install tarball alone (no msw) into a fresh project', () => {
    const r = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: consumer,
    });
    if (r.status !== 0) throw new CheckFailed(`npm install exited ${r.status}`, quiet(r.out));
    if (!existsSync(join(consumer, 'node_modules', NAME, 'package.json'))) {
      throw new CheckFailed(`node_modules/${NAME} missing after install`, quiet(r.out));
    }
    if (existsSync(join(consumer, 'node_modules', 'msw'))) throw new CheckFailed('npm installed msw anyway');
    installed = true;
    return quiet(r.out).trim().split('\n').filter(Boolean).at(-1);
  });
  const needInstall = (name) => {
    if (!installed) skip(name, 'the tarball did not install');
    return installed;
  };

  const cjsName = `CommonJS build under plain node and tsx (.cts): require('${NAME}') and build a client`;
  if (needInstall(cjsName)) await check(cjsName, checkCommonJsLoaders);

  for (const kind of ['require', 'import', 'bin']) {
    const name = `without msw, ${kind === 'bin' ? 'the emulator bin' : `${kind}('${NAME}/testing')`} says in one line to install msw`;
    if (needInstall(name)) await check(name, () => checkMissingMsw(kind));
  }

  const noMcpName = 'without the MCP SDK, `liveportrait mcp` exits 9 saying in one line to install it';
  if (needInstall(noMcpName)) await check(noMcpName, checkMissingMcpSdk);

  installed = false;
  // `ai` unpinned: what npm picks on this Node is what a user gets (6 on Node 20, 7 on Node >= 22).
  // The MCP SDK at the version this repo tests with (its optional peer range starts there).
  const mcpSdk = `@modelcontextprotocol/sdk@${pkg.devDependencies['@modelcontextprotocol/sdk']}`;
  await check(
    'install msw@2, ai, ioredis@6 and the MCP SDK, the optional peers of ./testing, ./ai-sdk, ./redis and mcp',
    () => {
      const args = [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        'msw@2',
        'ai',
        'ioredis@6',
        mcpSdk,
      ];
      const r = run(npm, args, { cwd: consumer });
      if (r.status !== 0) throw new CheckFailed(`npm install exited ${r.status}`, quiet(r.out));
      installed = true;
      return quiet(r.out).trim().split('\n').filter(Boolean).at(-1);
    },
  );

  for (const [spec, names] of [
    [NAME, MAIN_EXPORTS],
    [`${NAME}/testing`, TESTING_EXPORTS],
    [`${NAME}/ai-sdk`, AI_SDK_EXPORTS],
    [`${NAME}/redis`, REDIS_EXPORTS],
  ]) {
    for (const kind of ['import', 'require']) {
      const name = `${kind}('${spec}') gives ${names.join(', ')}`;
      if (needInstall(name)) await check(name, () => checkRuntime(kind, spec, names));
    }
  }

  const tsName = 'TypeScript consumer (.ts ESM + .cts CJS, moduleResolution nodenext) type-checks';
  if (needInstall(tsName)) await check(tsName, checkTypes);

  const cliName = 'bin liveportrait: `npx liveportrait --version` prints the version';
  if (needInstall(cliName)) await check(cliName, checkCliBin);

  const emuName = 'bin dashscope-liveportrait-emulator: starts with --port 0 and prints its URL';
  if (needInstall(emuName)) await check(emuName, checkEmulatorBin);

  for (const kind of ['import', 'require']) {
    const name = `${kind}: a whole job through createEmulatorDispatcher (no port), video saved`;
    if (needInstall(name)) await check(name, () => checkDispatcherJob(kind));
  }

  const generateName = "bin liveportrait generate --out v.mp4 --base-url <the tarball's emulator bin>";
  if (needInstall(generateName)) await check(generateName, checkCliGenerate);

  const aiName = "ai-sdk: experimental_generateVideo with liveportrait.video() on the tarball's emulator bin";
  if (needInstall(aiName)) await check(aiName, checkAiSdkGenerate);

  const peersName = 'ai-sdk: one error tree with the main entry (ESM and CJS); the main entry loads no ai';
  if (needInstall(peersName)) await check(peersName, checkAiSdkIsolation);

  const redisName =
    'redis: one error tree with the main entry (ESM and CJS); the main entry loads no ioredis';
  if (needInstall(redisName)) await check(redisName, checkRedisIsolation);

  const mcpName = 'bin liveportrait mcp: an MCP Client lists its tools and makes a video (tarball emulator)';
  if (needInstall(mcpName)) await check(mcpName, checkMcpServer);
}

// ---------------------------------------------------------------------------------------------------
// Helpers for the checks

/** Every file that package.json's main/module/types/exports/bin names. */
function packageTargets() {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === 'string') out.add(posix.normalize(v));
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk([pkg.main, pkg.module, pkg.types, pkg.exports, pkg.bin]);
  out.delete('package.json');
  return [...out].filter((p) => !p.includes('*'));
}

function junkReason(p) {
  const parts = p.split('/');
  const base = parts.at(-1);
  if (base.startsWith('.env') || base === '.npmrc') return 'secrets/config file';
  if (
    parts.some((s) => s === 'test' || s === 'tests' || s === '__tests__') ||
    /\.(test|spec)\.[cm]?[jt]s$/.test(base)
  )
    return 'test file';
  if (parts[0] === 'src' || parts.includes('assets')) return 'source or source asset';
  if (/\.[cm]?tsx?$/.test(base) && !/\.d\.[cm]?ts$/.test(base))
    return 'TypeScript source (only .d.ts may ship)';
  if (/\.(mp4|mov|webm|wav|mp3|png|jpe?g|tgz)$/i.test(base))
    return 'media/archive (assets are embedded in the bundle)';
  if (parts.length === 1 ? !ALLOWED_TOP.has(p) : parts[0] !== 'dist')
    return 'outside dist/ and the docs allowed by "files"';
  return '';
}

function summarizeFiles(list) {
  const byExt = {};
  for (const p of list) {
    const m = /(\.d\.[cm]?ts|\.[a-z]+\.map|\.[a-z]+)$/i.exec(p);
    const ext = m ? m[1] : p;
    byExt[ext] = (byExt[ext] ?? 0) + 1;
  }
  return Object.entries(byExt)
    .map(([e, n]) => `${n} ${e}`)
    .join(', ');
}

/**
 * Each .map's sources must stay inside the package (no absolute build-machine paths, no ../ past the
 * package root), and a source that does not ship (src/ is not published) must be embedded in
 * sourcesContent so a debugger can still show it. Each sourceMappingURL must name a shipped map.
 */
function checkSourcemaps(pkgRoot, list) {
  const shipped = new Set(list);
  const problems = [];
  let maps = 0;
  for (const p of list) {
    const abs = join(pkgRoot, p);
    if (/\.[cm]?js$/.test(p)) {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(abs, 'utf8'));
      if (m && !m[1].startsWith('data:')) {
        const target = posix.join(posix.dirname(p), m[1]);
        if (!shipped.has(target)) problems.push(`${p}: sourceMappingURL ${m[1]} is not in the tarball`);
      }
    }
    if (!p.endsWith('.map')) continue;
    maps++;
    const map = JSON.parse(readFileSync(abs, 'utf8'));
    map.sources.forEach((src, i) => {
      const full = `${map.sourceRoot ?? ''}${src}`;
      if (isAbsolute(full) || /^[a-z]+:/i.test(full)) {
        problems.push(`${p}: source "${full}" is an absolute path or URL`);
        return;
      }
      const inPkg = posix.normalize(posix.join(posix.dirname(p), full));
      if (inPkg.startsWith('../')) {
        problems.push(`${p}: source "${full}" points outside the package`);
        return;
      }
      if (!shipped.has(inPkg) && typeof map.sourcesContent?.[i] !== 'string') {
        problems.push(`${p}: source "${full}" is not shipped and not embedded in sourcesContent`);
      }
    });
  }
  if (problems.length) throw new CheckFailed(`${problems.length} problems`, problems.join('\n'));
  return `${maps} maps checked`;
}

function checkRuntime(kind, spec, names) {
  const ext = kind === 'import' ? 'mjs' : 'cjs';
  const file = join(consumer, `runtime-${spec.replace(/\W+/g, '-')}.${ext}`);
  const load =
    kind === 'import' ? `await import(${JSON.stringify(spec)})` : `require(${JSON.stringify(spec)})`;
  writeFileSync(
    file,
    `const mod = ${load};\n` +
      `const want = ${JSON.stringify(names)};\n` +
      `const bad = want.filter((n) => typeof mod[n] !== 'function');\n` +
      `const version = mod.VERSION;\n` +
      `console.log('RESULT ' + JSON.stringify({ bad, version, count: Object.keys(mod).length }));\n`,
  );
  const r = run(process.execPath, [file], { cwd: consumer, timeout: 60_000 });
  if (r.status !== 0) throw new CheckFailed(`node exited ${r.status}`, r.out);
  const result = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!result) throw new CheckFailed('printed no result', r.out);
  const res = JSON.parse(result.slice('RESULT '.length));
  if (res.bad.length) throw new CheckFailed(`not functions: ${res.bad.join(', ')}`);
  if (res.version !== undefined && res.version !== pkg.version) {
    throw new CheckFailed(`VERSION is ${res.version}, package.json says ${pkg.version}`);
  }
  return `${res.count} exports`;
}

/**
 * `dist/index.cjs` must load without require()-ing an ES module: plain node ≥ 20.19 copes, but tsx
 * running a `.cts` file (and other CommonJS loaders) crash on p-retry's ESM-only dependencies.
 */
function checkCommonJsLoaders() {
  const script =
    `const { LivePortraitClient, LivePortraitError } = require(${JSON.stringify(NAME)});\n` +
    `const client = new LivePortraitClient({ apiKey: 'sk-check-package' });\n` +
    `console.log('RESULT ' + (typeof client.generateVideo === 'function' && typeof LivePortraitError === 'function'));\n` +
    `client.close();\n`;
  writeFileSync(join(consumer, 'load.cjs'), script);
  writeFileSync(join(consumer, 'load.cts'), script);
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  if (!existsSync(tsx)) throw new CheckFailed(`${relative(root, tsx)} not found — run npm ci`);
  const outcomes = [];
  for (const [label, args] of [
    ['node load.cjs', ['load.cjs']],
    ['tsx load.cts', [tsx, 'load.cts']],
  ]) {
    const r = run(process.execPath, args, { cwd: consumer, timeout: 60_000 });
    if (r.status !== 0 || !r.stdout.includes('RESULT true')) {
      throw new CheckFailed(`${label} exited ${r.status} without building a client`, r.out);
    }
    outcomes.push(label);
  }
  return `${outcomes.join(' and ')} built a client`;
}

/**
 * Without msw: `require`/`import` of ./testing fails with our one line saying what to install (no
 * resolver stack), and the emulator bin prints exactly that line and exits 1.
 */
function checkMissingMsw(kind) {
  const spec = `${NAME}/testing`;
  let r;
  if (kind === 'bin') {
    const link = join(consumer, 'node_modules', '.bin', 'dashscope-liveportrait-emulator');
    if (!existsSync(link)) throw new CheckFailed('npm did not link the emulator bin');
    r = run(link, ['--port', '0'], { cwd: consumer, timeout: 60_000 });
  } else {
    const file = join(consumer, kind === 'import' ? 'no-msw.mjs' : 'no-msw.cjs');
    const load =
      kind === 'import' ? `await import(${JSON.stringify(spec)});` : `require(${JSON.stringify(spec)});`;
    writeFileSync(file, `${load}\nconsole.log('loaded without msw?!');\n`);
    r = run(process.execPath, [file], { cwd: consumer, timeout: 60_000 });
  }
  if (r.status === 0) throw new CheckFailed('exited 0 without msw', r.out);
  const advice = 'npm install --save-dev msw';
  if (!r.out.includes(advice)) throw new CheckFailed(`did not say \`${advice}\``, r.out);
  const noise = r.out
    .split('\n')
    .filter((l) => /^\s+at |Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(l));
  if (noise.length) throw new CheckFailed('printed a stack or the resolver error besides the advice', r.out);
  if (kind === 'bin' && r.out.trim().split('\n').length !== 1)
    throw new CheckFailed('printed more than one line', r.out);
  return `exit ${r.status}: ${r.out
    .split('\n')
    .find((l) => l.includes(advice))
    .trim()}`;
}

function checkTypes() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new CheckFailed(`${relative(root, tsc)} not found — run npm ci`);
  // A value typed `any` would pass every use below, so each import is also asserted not to be any.
  const body = (from) =>
    `import { ${MAIN_EXPORTS.join(', ')}, VERSION } from '${NAME}';\n` +
    `import { ${TESTING_EXPORTS.join(', ')} } from '${NAME}/testing';\n` +
    `import { ${AI_SDK_EXPORTS.join(', ')} } from '${NAME}/ai-sdk';\n` +
    `import { ${REDIS_EXPORTS.join(', ')} } from '${NAME}/redis';\n` +
    `${from}\n` +
    `type IsAny<T> = 0 extends 1 & T ? true : false;\n` +
    `const notAny: [${TYPED_EXPORTS.map((n) => `IsAny<typeof ${n}>`).join(', ')}] = [${TYPED_EXPORTS.map(() => 'false').join(', ')}];\n` +
    `const version: string = VERSION;\n` +
    `const client: InstanceType<typeof LivePortraitClient> | undefined = undefined;\n` +
    `const isError = (e: unknown): e is LivePortraitError => e instanceof LivePortraitError;\n` +
    `const fns: Function[] = [generateVideo, startEmulator, createLivePortrait];\n` +
    // The subpath's types name the main entry's classes, not copies: a client of the main entry fits.
    `const share = (c: InstanceType<typeof LivePortraitClient>) => createLivePortrait({ client: c });\n` +
    // And its model is a VideoModel of whichever \`ai\` npm installed.
    `import type { experimental_generateVideo } from 'ai';\n` +
    `const model: Parameters<typeof experimental_generateVideo>[0]['model'] = share(null!).video();\n` +
    `export { notAny, version, client, isError, fns, model };\n`;
  writeFileSync(join(consumer, 'esm.ts'), body('// ESM consumer: resolved through the "import" condition.'));
  writeFileSync(
    join(consumer, 'cjs.cts'),
    body('// CJS consumer: resolved through the "require" condition.'),
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          // The package's own .d.ts files are checked by attw; third-party ones are not ours to judge.
          skipLibCheck: true,
          // Node's types from the repo, so the consumer needs no extra install.
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['esm.ts', 'cjs.cts'],
      },
      null,
      2,
    )}\n`,
  );
  const r = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--traceResolution'], {
    cwd: consumer,
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const errors = r.out.split('\n').filter((l) => /error TS/.test(l) || /^\s/.test(l));
    throw new CheckFailed(`tsc exited ${r.status}`, errors.join('\n'));
  }
  // Prove each module kind resolved to its own declaration file, not one to both.
  const resolved = [...r.out.matchAll(/Module name '([^']+)' was successfully resolved to '([^']+)'/g)]
    .filter(([, spec]) => spec.startsWith(NAME))
    .map(([, spec, file]) => `${spec} -> ${relative(join(consumer, 'node_modules', NAME), file)}`);
  const want = ['index', 'testing/index', 'ai-sdk/index'].flatMap((e) => [
    `dist/${e}.d.ts`,
    `dist/${e}.d.cts`,
  ]);
  const missing = want.filter((f) => !resolved.some((r) => r.endsWith(` -> ${f}`)));
  if (missing.length)
    throw new CheckFailed(`never resolved to ${missing.join(', ')}`, [...new Set(resolved)].join('\n'));
  return 'ESM -> .d.ts, CJS -> .d.cts for every entry';
}

/**
 * The README's way to test an app: the SDK with the emulator's dispatcher, from the installed tarball,
 * in both module formats (the client from the main entry, the dispatcher from ./testing).
 */
function checkDispatcherJob(kind) {
  const ext = kind === 'import' ? 'mjs' : 'cjs';
  const load = (spec) => (kind === 'import' ? `await import('${spec}')` : `require('${spec}')`);
  const out = join(consumer, `dispatched-${ext}.mp4`);
  const file = join(consumer, `dispatcher-job.${ext}`);
  writeFileSync(
    file,
    `(async () => {\n` +
      `const { LivePortraitClient } = ${load(NAME)};\n` +
      `const { createEmulator, createEmulatorDispatcher } = ${load(`${NAME}/testing`)};\n` +
      `const emulator = createEmulator({ apiKeys: ['sk-check'], timeScale: 0.001 });\n` +
      `const dispatcher = createEmulatorDispatcher({ emulator });\n` +
      `const client = new LivePortraitClient({ apiKey: 'sk-check', dispatcher, pollSchedule: { initialMs: 10, maxMs: 50 } });\n` +
      `const video = await client.generateVideo('https://example.com/face.png', 'https://example.com/voice.mp3', { output: ${JSON.stringify(out)} });\n` +
      `await client.close();\n` +
      `await dispatcher.close();\n` +
      `console.log('RESULT ' + JSON.stringify({ videoUrl: video.videoUrl, outputPath: video.outputPath }));\n` +
      `})().catch((error) => { console.error(error); process.exit(1); });\n`,
  );
  const r = run(process.execPath, [file], { cwd: consumer, timeout: 60_000 });
  if (r.status !== 0) throw new CheckFailed(`node exited ${r.status}`, r.out);
  const result = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!result) throw new CheckFailed('printed no result', r.out);
  const { videoUrl } = JSON.parse(result.slice('RESULT '.length));
  if (!videoUrl.startsWith('https://dashscope.aliyuncs.com/results/'))
    throw new CheckFailed(`video URL ${videoUrl} is not the emulator's default host`);
  const head = readFileSync(out).subarray(4, 8).toString('latin1');
  if (head !== 'ftyp') throw new CheckFailed(`the saved video does not start with an ftyp box (${head})`);
  return `saved ${kb(statSync(out).size)} from ${new URL(videoUrl).origin}`;
}

function checkCliBin() {
  const bin = binEntry('liveportrait');
  // Without the file npx would fall back to other commands (or to its own --version): fail first.
  if (!bin.exists) throw new CheckFailed(`bin missing${bin.hint}`);
  // --no: never download; --: the flags after the name are the bin's, not npx's.
  const r = run(npx, ['--no', '--', 'liveportrait', '--version'], { cwd: consumer, timeout: 60_000 });
  if (r.status !== 0) throw new CheckFailed(`exited ${r.status}`, quiet(r.out));
  const printed = r.stdout.trim();
  if (!printed.split(/\s+/).includes(pkg.version) && !printed.includes(`v${pkg.version}`)) {
    throw new CheckFailed(`printed "${printed}", expected ${pkg.version}`);
  }
  return `printed "${printed}"`;
}

/** Where a bin lives in the installed package, and a hint if its build output or source is missing. */
function binEntry(name) {
  const rel = posix.normalize(pkg.bin[name]);
  const installedFile = join(consumer, 'node_modules', NAME, rel);
  const src = BIN_SOURCES[rel];
  let hint = '';
  if (!existsSync(installedFile)) {
    hint =
      src && !existsSync(join(root, src))
        ? ` (${rel} is not in the package: its source ${src} does not exist yet)`
        : ` (${rel} is not in the package)`;
  }
  return { rel, hint, exists: !hint };
}

async function checkEmulatorBin() {
  return withEmulatorBin(['--port', '0'], async (url) => {
    const { hostname } = new URL(url);
    // Prove something listens there. Only loopback: this check never talks to another host.
    let answered = '';
    if (['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]'].includes(hostname)) {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      answered = `, answered HTTP ${res.status}`;
    }
    return `printed ${url}${answered}`;
  });
}

/**
 * The issue's "done" line, from the installed tarball: `liveportrait generate ... --out v.mp4
 * --base-url <emulator>` against the tarball's own emulator bin writes a real MP4.
 */
async function checkCliGenerate() {
  return withEmulatorBin(['--port', '0', '--time-scale', '0.02'], async (baseURL) => {
    const out = join(consumer, 'v.mp4');
    const args = ['--no', '--', 'liveportrait', 'generate', '--image', 'https://example.com/face.png'];
    args.push('--audio', 'https://example.com/voice.mp3', '--out', out, '--base-url', baseURL);
    const r = await runAsync(npx, args, { DASHSCOPE_API_KEY: 'sk-check-package' }, 120_000);
    if (r.status !== 0) throw new CheckFailed(`exited ${r.status}`, quiet(r.out));
    if (!existsSync(out)) throw new CheckFailed('exited 0 but wrote no v.mp4', quiet(r.out));
    const head = readFileSync(out).subarray(4, 8).toString('latin1');
    if (head !== 'ftyp')
      throw new CheckFailed(`v.mp4 does not start with an ftyp box (got ${JSON.stringify(head)})`);
    return `wrote v.mp4 (${kb(statSync(out).size)})`;
  });
}

/**
 * The AI SDK subpath from the installed tarball, with the `ai` npm installed next to it: a real
 * `experimental_generateVideo` against the tarball's emulator bin. It passes its own `download` because
 * the AI SDK's default refuses loopback URLs (real DashScope links are public).
 */
async function checkAiSdkGenerate() {
  return withEmulatorBin(['--port', '0', '--time-scale', '0.02'], async (baseURL) => {
    const file = join(consumer, 'ai-sdk-generate.mjs');
    writeFileSync(
      file,
      `import { experimental_generateVideo } from 'ai';\n` +
        `import { createLivePortrait } from '${NAME}/ai-sdk';\n` +
        `const liveportrait = createLivePortrait({ apiKey: 'sk-check-package', baseURL: process.argv[2] });\n` +
        `const download = async ({ url }) => ({ data: new Uint8Array(await (await fetch(url)).arrayBuffer()), mediaType: undefined });\n` +
        `const { video, providerMetadata } = await experimental_generateVideo({\n` +
        `  model: liveportrait.video(),\n` +
        `  prompt: { image: 'https://example.com/face.png' },\n` +
        `  providerOptions: { liveportrait: { audioUrl: 'https://example.com/voice.mp3' } },\n` +
        `  download,\n` +
        `});\n` +
        `await liveportrait.close();\n` +
        `const ai = JSON.parse((await import('node:fs')).readFileSync('node_modules/ai/package.json', 'utf8')).version;\n` +
        `const head = Buffer.from(video.uint8Array.subarray(4, 8)).toString('latin1');\n` +
        `console.log('RESULT ' + JSON.stringify({ ai, head, bytes: video.uint8Array.length, taskId: providerMetadata.liveportrait?.taskId }));\n`,
    );
    const r = await runAsync(process.execPath, [file, baseURL], {}, 120_000);
    if (r.status !== 0) throw new CheckFailed(`node exited ${r.status}`, r.out);
    const line = r.out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new CheckFailed('printed no result', r.out);
    const res = JSON.parse(line.slice('RESULT '.length));
    if (res.head !== 'ftyp')
      throw new CheckFailed(`the video does not start with an ftyp box (got ${res.head})`);
    if (!res.taskId) throw new CheckFailed('providerMetadata.liveportrait.taskId is missing', r.out);
    return `ai@${res.ai}: ${kb(res.bytes)} MP4 of task ${res.taskId}`;
  });
}

/** `liveportrait mcp` in a project without `@modelcontextprotocol/sdk`: exit 9 and the install line. */
function checkMissingMcpSdk() {
  if (existsSync(join(consumer, 'node_modules', '@modelcontextprotocol'))) {
    throw new CheckFailed('npm installed @modelcontextprotocol/sdk although it is an optional peer');
  }
  const r = spawnSync(join(consumer, 'node_modules', '.bin', 'liveportrait'), ['mcp'], {
    cwd: consumer,
    env: { ...childEnv, DASHSCOPE_API_KEY: 'sk-check-package' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const stderr = r.stderr ?? '';
  const lines = stderr.trim().split('\n');
  if (r.status !== 9 || lines.length !== 1 || !stderr.includes('npm install @modelcontextprotocol/sdk')) {
    throw new CheckFailed(
      `exited ${r.status ?? r.signal}, expected 9 and one line`,
      `${r.stdout ?? ''}${stderr}`,
    );
  }
  return `exit 9: ${lines[0]}`;
}

/**
 * `liveportrait mcp` started from the installed package by the MCP SDK's own Client over stdio, as an
 * MCP client would: it lists the five tools, and generate_talking_video against the tarball's emulator
 * bin returns a resource_link to the video.
 */
async function checkMcpServer() {
  const bin = binEntry('liveportrait');
  if (!bin.exists) throw new CheckFailed(`bin missing${bin.hint}`);
  return withEmulatorBin(['--port', '0', '--time-scale', '0.02'], async (baseURL) => {
    const script = join(consumer, 'mcp-check.mjs');
    writeFileSync(
      script,
      `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const transport = new StdioClientTransport({
  command: ${JSON.stringify(join(consumer, 'node_modules', '.bin', 'liveportrait'))},
  args: ['mcp'],
  env: { DASHSCOPE_API_KEY: 'sk-check-package', DASHSCOPE_HTTP_BASE_URL: ${JSON.stringify(baseURL)} },
  stderr: 'inherit',
});
const client = new Client({ name: 'check-package', version: '0.0.0' });
await client.connect(transport);
const { tools } = await client.listTools();
const result = await client.callTool({
  name: 'generate_talking_video',
  arguments: { image: 'https://example.com/face.png', audio: 'https://example.com/voice.mp3' },
});
const link = result.content.find((block) => block.type === 'resource_link');
console.log('RESULT ' + JSON.stringify({ tools: tools.map((tool) => tool.name), isError: result.isError ?? false, link: link?.uri }));
await client.close();
`,
    );
    const r = await runAsync(process.execPath, [script], {}, 120_000);
    const line = r.out.split('\n').find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || !line) throw new CheckFailed(`exited ${r.status}`, quiet(r.out));
    const res = JSON.parse(line.slice('RESULT '.length));
    const want = ['generate_talking_video', 'wait_for_task', 'get_task', 'check_portrait', 'inspect_media'];
    const missing = want.filter((name) => !res.tools.includes(name));
    if (missing.length) throw new CheckFailed(`tools missing: ${missing.join(', ')}`, quiet(r.out));
    if (res.isError || !res.link)
      throw new CheckFailed('generate_talking_video returned no video link', quiet(r.out));
    return `${res.tools.length} tools; generate_talking_video linked ${new URL(res.link).pathname}`;
  });
}

/**
 * A subpath imports the main entry by the package's name instead of bundling a copy, so an error it
 * throws is an instance of the `LivePortraitError` users import, in ESM and in CJS alike. And loading
 * the main entry loads nothing of the subpath's optional peers (the CJS require cache shows every
 * file loaded). `throwing` is a statement that makes the subpath throw a `ValidationError` or
 * `ConfigurationError`; `peers` matches the peers' package names.
 */
function checkIsolation({ subpath, name, throwing, peers, what }) {
  const probe = (load) =>
    `${load}\n` +
    `let error;\n` +
    `try { ${throwing} } catch (e) { error = e; }\n` +
    `if (!(error instanceof LivePortraitError)) throw new Error('not a LivePortraitError of the main entry: ' + error);\n`;
  const file = subpath.replace(/\W+/g, '-');
  writeFileSync(
    join(consumer, `${file}-errors.mjs`),
    probe(`import { LivePortraitError } from '${NAME}';\nimport { ${name} } from '${NAME}/${subpath}';`),
  );
  writeFileSync(
    join(consumer, `${file}-errors.cjs`),
    `const { LivePortraitError } = require('${NAME}');\n` +
      `const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](${peers})[\\\\/]/.test(f));\n` +
      `if (loaded.length) throw new Error('the main entry loaded ' + loaded.join(', '));\n` +
      probe(`const { ${name} } = require('${NAME}/${subpath}');`),
  );
  for (const probeFile of [`${file}-errors.mjs`, `${file}-errors.cjs`]) {
    const r = run(process.execPath, [probeFile], { cwd: consumer, timeout: 60_000 });
    if (r.status !== 0) throw new CheckFailed(`${probeFile}: node exited ${r.status}`, r.out);
  }
  const naming = new RegExp(`(?:from|require\\(|import\\()\\s*["'](?:${peers})(?:/[^"']+)?["']`);
  const main = ['dist/index.js', 'dist/index.cjs'].filter((p) =>
    naming.test(readFileSync(join(consumer, 'node_modules', NAME, p), 'utf8')),
  );
  if (main.length) throw new CheckFailed(`${main.join(', ')} name ${what}`);
  return `${subpath}'s errors are LivePortraitErrors in ESM and CJS; main entry loads no ${what}`;
}

// Function declarations, not consts: main() runs (top-level await) before the module's consts exist.
function checkAiSdkIsolation() {
  return checkIsolation({
    subpath: 'ai-sdk',
    name: 'createLivePortrait',
    throwing: "createLivePortrait().video('other');",
    peers: 'ai|@ai-sdk',
    what: 'ai',
  });
}

function checkRedisIsolation() {
  return checkIsolation({
    subpath: 'redis',
    name: 'createRedisCoordinator',
    throwing: 'createRedisCoordinator({});',
    peers: 'ioredis',
    what: 'ioredis',
  });
}

/**
 * Like {@link run} but without blocking the event loop, so a child started earlier (the emulator)
 * keeps having its output drained.
 */
function runAsync(cmd, args, extraEnv, timeout) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, {
      cwd: consumer,
      env: { ...childEnv, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ status: code ?? `${signal}`, out });
    });
  });
}

/** Starts the installed emulator bin with `args`, hands its printed URL to `use`, then stops it. */
async function withEmulatorBin(args, use) {
  const name = 'dashscope-liveportrait-emulator';
  const bin = binEntry(name);
  if (!bin.exists) throw new CheckFailed(`bin missing${bin.hint}`);
  const link = join(consumer, 'node_modules', '.bin', name);
  if (!existsSync(link)) throw new CheckFailed(`npm did not link node_modules/.bin/${name}`);

  // Run the linked bin itself (its shebang, its exec bit), in its own process group so that
  // killing it leaves nothing behind.
  const child = spawn(link, args, {
    cwd: consumer,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  let out = '';
  const kill = (sig) => {
    try {
      if (process.platform === 'win32') child.kill(sig);
      else process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
  try {
    const url = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new CheckFailed('printed no URL within 20 s', out)), 20_000);
      const onData = (d) => {
        out += d;
        const m = /\bhttps?:\/\/[^\s'"<>]+/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[0].replace(/[.,;)]+$/, ''));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then(({ code, sig }) => {
        clearTimeout(timer);
        rej(new CheckFailed(`exited (${code ?? sig}) before printing a URL`, out));
      });
    });
    const { port } = new URL(url);
    if (port === '0' || port === '') throw new CheckFailed(`printed ${url}: not the port it actually bound`);
    return await use(url);
  } finally {
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}
