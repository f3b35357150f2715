/**
 * Where the CLI gets the API key: `--api-key-file PATH`, else `DASHSCOPE_API_KEY`. Never a flag value
 * (see args.ts), and the key's text never appears in a message.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../index.js';
import type { OptionValues } from './args.js';

/** Reads the key; throws `ConfigurationError` (exit 3) when there is none or the file is unusable. */
export function readApiKey(values: OptionValues, env: NodeJS.ProcessEnv): string {
  const file = values['api-key-file'];
  if (typeof file === 'string') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigurationError(`--api-key-file ${file}: cannot read the file (${code})`);
    }
    const key = text.trim();
    if (!key) throw new ConfigurationError(`--api-key-file ${file}: the file is empty`);
    return key;
  }
  const key = env.DASHSCOPE_API_KEY?.trim();
  if (!key) {
    throw new ConfigurationError(
      'no API key: set DASHSCOPE_API_KEY or pass --api-key-file PATH ' +
        '(LivePortrait needs a key of the China (Beijing) region)',
    );
  }
  return key;
}
