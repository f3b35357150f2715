/**
 * Debug logging: the default logger chosen from the environment (`DASHSCOPE_LOG=debug` writes one line
 * per event to stderr), and the redaction every logger gets, the caller's own included. The transport
 * never hands a logger the key; redaction here is the second line of defense, for what a server or a
 * URL may carry: signed URLs keep their secret in the query string, and error text may quote anything.
 */

/** Receives one line per HTTP attempt, retry and notable event. Fields never contain the API key. */
export interface Logger {
  debug(message: string, fields: Record<string, unknown>): void;
}

/** Field names whose values are never logged, whatever they hold. */
const SECRET_FIELD = /^(authorization|api[-_]?key|token|signature|password|secret|cookie)$/i;

/** `?…` of any http(s)/oss URL inside a string: `Expires`, `Signature`, `OSSAccessKeyId` live there. */
const URL_QUERY = /\b((?:https?|oss):\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi;
/** A bearer credential, or something shaped like a DashScope key (`sk-` and a long tail). */
const CREDENTIAL = /\b(Bearer\s+)\S+|\bsk-[A-Za-z0-9_-]{8,}/g;

/** `text` with URL query strings and credential-shaped words replaced. */
export function redactText(text: string): string {
  return text
    .replace(URL_QUERY, '$1?[redacted]')
    .replace(CREDENTIAL, (_match, bearer: string | undefined) =>
      bearer ? `${bearer}[redacted]` : 'sk-[redacted]',
    );
}

/** A copy of `fields` fit for a log line: secret-named fields dropped to `[redacted]`, strings redacted. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(name)) safe[name] = '[redacted]';
    else if (typeof value === 'string') safe[name] = redactText(value);
    else if (value instanceof Error) safe[name] = redactText(`${value.name}: ${value.message}`);
    else safe[name] = value;
  }
  return safe;
}

/** Wraps `logger` so that every message and field it receives is redacted first. */
export function redactingLogger(logger: Logger): Logger {
  return { debug: (message, fields) => logger.debug(redactText(message), redactFields(fields)) };
}

/**
 * A logger writing one line per event, `dashscope <ISO time> <message> key=value …`, to stderr (or to
 * `write`). Values are redacted; strings with spaces are JSON-quoted so each line stays one line.
 */
export function createStderrLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return redactingLogger({
    debug(message, fields) {
      const pairs = Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name}=${formatValue(value)}`);
      write(`dashscope ${new Date().toISOString()} ${[message, ...pairs].join(' ')}\n`);
    },
  });
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `DASHSCOPE_LOG=debug` (any case) turns the stderr logger on; anything else leaves logging off. */
export function loggerFromEnv(env: NodeJS.ProcessEnv = process.env): Logger | undefined {
  return env.DASHSCOPE_LOG?.trim().toLowerCase() === 'debug' ? createStderrLogger() : undefined;
}

/** The logger a client uses: the caller's own, redacted, or else the one the environment asks for. */
export function resolveLogger(
  option: Logger | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Logger | undefined {
  return option ? redactingLogger(option) : loggerFromEnv(env);
}
