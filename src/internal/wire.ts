/** Facts of DashScope's API that the SDK and its emulator (`testing/`) share. */

/** The documented endpoint (China, Beijing region: LivePortrait needs a Beijing API key). */
export const DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/api/v1';
