/**
 * The documented input limits (LIMITS in schemas.ts) applied to measured media. Pure functions: each
 * broken limit becomes one issue that names the limit and the measured value.
 */
import type { ValidationIssue } from '../errors.js';
import { LIMITS } from '../schemas.js';
import type { AudioMeasurement, ImageMeasurement } from './inspect.js';

const DISPLAY_NAMES: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  bmp: 'BMP',
  webp: 'WebP',
  wav: 'WAV',
  mp3: 'MP3',
};

/** The issues every file can have: a format outside `allowed`, a size at or over `maxBytes`. */
function fileIssues(
  measured: { format: string; bytes: number | undefined },
  limits: { formats: readonly string[]; maxBytes: number },
  path: string,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!limits.formats.includes(measured.format)) {
    const allowed = limits.formats.map((format) => DISPLAY_NAMES[format] ?? format).join(', ');
    const what =
      measured.format === 'unknown' ? `not an ${path} format this SDK recognises` : measured.format;
    issues.push({ path, message: `format is ${what}; allowed: ${allowed}` });
  }
  if (measured.bytes !== undefined && measured.bytes >= limits.maxBytes) {
    issues.push({
      path,
      message: `file is ${formatBytes(measured.bytes)}; it must be under ${formatBytes(limits.maxBytes)}`,
    });
  }
  return issues;
}

/** Every limit the image breaks; empty when it is fine. */
export function imageIssues(image: ImageMeasurement, path = 'image'): ValidationIssue[] {
  const limits = LIMITS.image;
  const issues = fileIssues(image, limits, path);
  const { width, height } = image;
  if (width !== undefined && height !== undefined) {
    const longest = Math.max(width, height);
    if (longest > limits.maxSidePx) {
      issues.push({
        path,
        message: `is ${width}×${height} px; the longest side may be at most ${limits.maxSidePx} px`,
      });
    }
    const ratio = longest / Math.max(1, Math.min(width, height));
    if (ratio > limits.maxAspectRatio) {
      issues.push({
        path,
        message: `aspect ratio is ${formatRatio(ratio)} (${width}×${height} px); the limit is ${limits.maxAspectRatio}`,
      });
    }
  }
  return issues;
}

/** Every limit the audio breaks; empty when it is fine. */
export function audioIssues(audio: AudioMeasurement, path = 'audio'): ValidationIssue[] {
  const limits = LIMITS.audio;
  const issues = fileIssues(audio, limits, path);
  const knownFormat = (limits.formats as readonly string[]).includes(audio.format);
  const seconds = audio.durationSec;
  if (seconds === undefined) {
    if (knownFormat) issues.push({ path, message: 'duration could not be determined from the file' });
  } else if (seconds > limits.maxDurationSec) {
    issues.push({
      path,
      message: `is ${formatDuration(seconds, 'up')}; the limit is ${formatDuration(limits.maxDurationSec)}`,
    });
  } else if (seconds < limits.minDurationSec) {
    issues.push({
      path,
      message: `is ${formatDuration(seconds, 'down')}; the minimum is ${formatDuration(limits.minDurationSec)}`,
    });
  }
  return issues;
}

/**
 * `0.9 s`, `59 s`, `3 min`, `3 min 12 s`, `3 min 0.5 s`, to the hundredth. `round` says which way, so a
 * breach is never rounded onto the limit (180.004 s over a 3 min limit prints as `3 min 0.01 s`).
 */
export function formatDuration(seconds: number, round: 'up' | 'down' | 'nearest' = 'nearest'): string {
  const scaled = seconds * 100;
  // The epsilon absorbs float noise (0.9 * 100 = 90.00000000000001), which must not round up.
  const hundredths =
    round === 'up'
      ? Math.ceil(scaled - 1e-6)
      : round === 'down'
        ? Math.floor(scaled + 1e-6)
        : Math.round(scaled);
  const minutes = Math.floor(hundredths / 6000);
  const rest = (hundredths - minutes * 6000) / 100;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** `10 MiB (10485760 bytes)`, or a KiB figure for small files. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const short = mib >= 1 ? `${trim(mib, 2)} MiB` : `${trim(bytes / 1024, 1)} KiB`;
  return `${short} (${bytes} bytes)`;
}

function formatRatio(ratio: number): string {
  // Three decimals, rounded up, so a ratio just over the limit never prints as the limit itself.
  return trim(Math.ceil(ratio * 1000) / 1000, 3);
}

function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}
