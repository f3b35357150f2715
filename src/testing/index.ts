/**
 * `dashscope-liveportrait/testing`: an emulator of the DashScope endpoints the SDK uses, for testing
 * apps without the network. Three ways to run it, serving the same handlers:
 * - `createEmulatorDispatcher()`: an undici `Dispatcher` for the SDK's `dispatcher` option, in-process;
 * - `createDashScopeHandlers()`: msw handlers, for code that calls global `fetch`;
 * - `startEmulator()`: a real HTTP server on a loopback port (any HTTP client, faults down to TCP resets).
 *
 * Needs the optional peer dependency `msw` (2.x). The main entry of the package never loads it.
 */

export { DEFAULT_BASE_URL } from '../internal/wire.js';
export type { ApiKeyEntry, ApiKeyRegistry } from './accounts.js';
export { createManualClock, formatTaskTime, type ManualClock, type Now } from './clock.js';
export {
  createEmulatorDispatcher,
  type EmulatorDispatcher,
  type EmulatorDispatcherOptions,
} from './dispatcher.js';
export type {
  Fault,
  FaultController,
  FaultKind,
  FaultMatcher,
  FaultSubject,
  RandomFaultOptions,
} from './faults.js';
export { createDashScopeHandlers, type DashScopeHandlersOptions } from './handlers.js';
export type { EmulatorStats, LogEntry } from './log.js';
export { seededRandom } from './random.js';
export type { RateLimit } from './rate-limit.js';
export { sampleVideo } from './results.js';
export type { RouteName } from './route-names.js';
export { type RunningEmulator, type StartEmulatorOptions, startEmulator } from './server.js';
export {
  createEmulator,
  DashScopeEmulator,
  type EmulatorOptions,
  type ImageCheckResult,
  type ImageCheckScript,
} from './state.js';
export type { TaskInput, TaskPlan, TaskScript, TaskStore } from './task-store.js';
export type { EmulatedTaskStatus, TaskOutcome, TaskSnapshot } from './tasks.js';
export { uploadsOf } from './upload-routes.js';
export { type StoredUpload, UploadStore } from './uploads.js';
