/**
 * `dashscope-liveportrait/ai-sdk`: LivePortrait as a video model of the Vercel AI SDK (`ai` 6 and 7).
 * Needs the optional peer dependencies `ai` and `@ai-sdk/provider`; the main entry never loads them.
 * This file only re-exports.
 */
export type { LivePortraitVideoOptions } from './call-options.js';
export {
  createLivePortrait,
  type LivePortraitProvider,
  type LivePortraitProviderSettings,
  liveportrait,
} from './provider.js';
export type {
  LivePortraitOperation,
  LivePortraitResponseInfo,
  LivePortraitStartResult,
  LivePortraitStatusResult,
  LivePortraitVideoModel,
  LivePortraitVideoModelId,
} from './video-model.js';
