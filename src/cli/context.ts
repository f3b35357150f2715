/** What every command runs with, on its own so that the commands and their helpers (save.ts) share it. */
import type { LivePortraitClient } from '../index.js';
import type { CommandName, OptionValues } from './args.js';
import type { Reporter } from './output.js';

/** What a command runs with. */
export interface CommandContext {
  /** Created on first use: read it only after the flags are checked (it needs the key). */
  readonly client: LivePortraitClient;
  reporter: Reporter;
  /** Fires on Ctrl-C; passed to every SDK call. */
  signal: AbortSignal;
  command: CommandName;
  values: OptionValues;
  /** The positional TASK_ID of status, wait and cancel. */
  taskId: string | undefined;
  /**
   * The task this run created or waits for, set as soon as it is known, so that an interruption or
   * a failure can say which task to resume.
   */
  task: { id: string | undefined };
}

/** Runs one command to completion; throws on any failure. */
export type Command = (context: CommandContext) => Promise<void>;
