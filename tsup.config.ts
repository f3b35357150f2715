import { defineConfig } from 'tsup';

// Two library entries (ESM + CJS, each with its own .d.ts/.d.cts) and two bins.
// The bins are ESM only: they are run by node, never imported.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    shims: true,
  },
  {
    entry: { cli: 'src/cli/main.ts', emulator: 'src/testing/bin.ts' },
    format: ['esm'],
    target: 'node20',
    // Bins are run, not debugged into by users; maps would double the tarball (the emulator embeds a video).
    sourcemap: false,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
