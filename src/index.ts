/**
 * dashscope-liveportrait: a portrait photo and a voice recording in, a talking-portrait video out,
 * through Alibaba Cloud DashScope's LivePortrait model. This file only re-exports the public surface.
 */
export { generateVideo, LivePortraitClient } from './client.js';
export type {
  DownloadVideoOptions,
  GenerateVideoOptions,
  RequestOptions,
  SavedVideoResult,
  SubmitMediaInput,
  SubmitOptions,
  VideoResult,
  WaitForTaskOptions,
} from './client-types.js';
export type { ClientOptions } from './config.js';
export type { DetectResult, SubmitResult, TaskSummary } from './endpoints.js';
export {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  BILLING_CODES,
  ConfigurationError,
  ConnectionError,
  ImageRejectedError,
  InternalServerError,
  LivePortraitError,
  MediaUnreachableError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ResultExpiredError,
  SaveFailedError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  ValidationError,
  type ValidationIssue,
  WaitTimeoutError,
} from './errors.js';
export { type Sleep, type SleepOptions, systemSleep, type Time } from './internal/time.js';
export { DEFAULT_BASE_URL } from './internal/wire.js';
export type { Logger } from './logger.js';
export type { DownloadOptions, DownloadProgress, DownloadResult } from './media/download.js';
export type { AudioReport, ImageReport, MediaReport } from './media/prepare.js';
export type { MediaInput } from './media/sources.js';
export { createLocalCoordinator, type LocalCoordinatorOptions } from './polling/coordinator.js';
export type {
  AccountBudget,
  Coordination,
  Coordinator,
  CoordinatorContext,
  EndDetector,
  JobLimiter,
  ListTasks,
  RequestKind,
  TaskListItem,
  TaskListPage,
  TaskListQuery,
  TaskSighting,
} from './polling/ports.js';
export {
  type ActiveTask,
  type CanceledTask,
  type FailedTask,
  LIMITS,
  type SubmitInput,
  type SucceededTask,
  submitInputSchema,
  TASK_STATUSES,
  type Task,
  type TaskListFilter,
  type TaskStatus,
  TEMPLATE_IDS,
  taskIdSchema,
  type UnknownTask,
  type VideoParams,
  videoParamsSchema,
} from './schemas.js';
export { VERSION } from './version.js';
export type { PollSchedule, ProgressEvent } from './wait.js';
