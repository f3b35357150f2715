/**
 * msw's runtime values, for the ESM build and the sources. A dynamic `import()` awaited at the top
 * level, not a static import: node resolves static imports before any code runs, so a missing msw
 * could not be reported in a line of our own. The CommonJS build swaps in `msw-require.ts`
 * (tsup.config.ts), since CommonJS has no top-level await.
 */
import type * as Msw from 'msw';
import { loadMsw } from './msw-peer.js';

const msw: typeof Msw = await loadMsw(() => import('msw'));

/** msw's `http` request handler namespace. */
export const http: typeof Msw.http = msw.http;
/** msw's `getResponse`: runs a request through a list of handlers. */
export const getResponse: typeof Msw.getResponse = msw.getResponse;
