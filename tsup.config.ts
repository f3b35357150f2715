import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Dependencies published as ESM only. The CommonJS build bundles them: a `require()` of an ES module
 * works in plain node ≥ 20.19 but not in every CJS loader (tsx running a `.cts` file crashes with
 * "request for 'is-network-error' is not in cache"). The ESM build keeps them external, as usual.
 */
const ESM_ONLY_DEPENDENCIES = ['p-retry', 'is-network-error'];

/** Marks `names` external in the ESM build only (tsup's `noExternal` applies to every format). */
function externalInEsmOnly(names: string[]): EsbuildPlugin {
  const filter = new RegExp(
    `^(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`,
  );
  return {
    name: 'external-in-esm-only',
    setup(build) {
      if (build.initialOptions.format !== 'esm') return;
      build.onResolve({ filter }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * The CommonJS build loads msw with `require` (`src/testing/msw-require.ts`): `msw.ts` awaits a dynamic
 * import at the top level, which CommonJS cannot do.
 */
const mswByRequireInCjs: EsbuildPlugin = {
  name: 'msw-by-require-in-cjs',
  setup(build) {
    if (build.initialOptions.format !== 'cjs') return;
    build.onResolve({ filter: /^\.\/msw\.js$/ }, (args) => ({
      path: join(args.resolveDir, 'msw-require.ts'),
    }));
  },
};

// Four library entries (ESM + CJS, each with its own .d.ts/.d.cts) and two bins.
// The bins are ESM only: they are run by node, never imported.
// `ai-sdk` and `redis` import the main entry by the package's own name, kept external: at run time Node resolves it
// to dist/index.{js,cjs} (a package may import itself by name), so the error classes a user imports
// from 'dashscope-liveportrait' are the ones the AI SDK model (or the Redis coordinator) throws, and a client passed in is the
// same class, not a bundled copy.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'ai-sdk/index': 'src/ai-sdk/index.ts',
      'redis/index': 'src/redis/index.ts',
    },
    // ioredis is the optional peer of ./redis: imported, never bundled.
    external: ['dashscope-liveportrait', 'ioredis'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    shims: true,
    // esbuild renames classes it must rename apart (`_ValidationError`); users see `.name` in stacks.
    keepNames: true,
    noExternal: ESM_ONLY_DEPENDENCIES,
    esbuildPlugins: [externalInEsmOnly(ESM_ONLY_DEPENDENCIES), mswByRequireInCjs],
  },
  {
    entry: { cli: 'src/cli/main.ts', emulator: 'src/testing/bin.ts' },
    format: ['esm'],
    target: 'node20',
    // Bins are run, not debugged into by users; maps would double the tarball (the emulator embeds a video).
    sourcemap: false,
    splitting: false,
    keepNames: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
