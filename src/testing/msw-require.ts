/**
 * msw's runtime values for the CommonJS build (tsup.config.ts swaps this file in for `msw.ts`): a
 * synchronous `require`, with the same one-line message when msw is not installed.
 */
import { createRequire } from 'node:module';
import type * as Msw from 'msw';
import { requireMsw } from './msw-peer.js';

const msw = requireMsw(() => createRequire(import.meta.url)('msw') as typeof Msw);

/** msw's `http` request handler namespace. */
export const http: typeof Msw.http = msw.http;
/** msw's `getResponse`: runs a request through a list of handlers. */
export const getResponse: typeof Msw.getResponse = msw.getResponse;
