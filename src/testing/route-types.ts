/** What a route of the emulator is, and what its handler gets. */
import type { RouteName } from './route-names.js';
import type { DashScopeEmulator } from './state.js';

/** What a route handler gets. */
export interface RouteContext {
  request: Request;
  /** Path parameters, e.g. `taskId`. */
  params: Readonly<Record<string, string | undefined>>;
  emulator: DashScopeEmulator;
  /** The `request_id` of this answer. */
  requestId: string;
  /** Account of the API key; `''` on routes without `auth`. */
  account: string;
  /** Origin result URLs point at (the emulator itself). */
  resultsOrigin: string;
}

/** One endpoint. */
export interface Route {
  name: RouteName;
  method: 'GET' | 'HEAD' | 'POST';
  /** Path pattern (msw syntax) below the API base URL, or below the results origin for `base: 'results'`. */
  path: string;
  base: 'api' | 'results';
  /** Needs a valid API key; its account then pays the route's rate limit. */
  auth: boolean;
  handle(context: RouteContext): Response | Promise<Response>;
}
