/**
 * From what the user passed to URLs DashScope can fetch: classify each input, measure it from its
 * bytes against the documented limits (always for local inputs, for remote ones when asked), and
 * upload local ones to temporary storage. Every problem is collected so one ValidationError lists
 * them all, before any job exists.
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import { LIMITS } from '../schemas.js';
import { audioIssues, imageIssues } from './checks.js';
import type { MediaDeps } from './http.js';
import { type AudioMeasurement, type ImageMeasurement, measureAudio, measureImage } from './inspect.js';
import { blobReader, remoteReader } from './readers.js';
import {
  classifyInput,
  isIssue,
  type LocalFile,
  type MediaField,
  type MediaInput,
  openLocal,
} from './sources.js';
import type { Uploader } from './upload.js';

/** What the media steps need from the client. */
export interface MediaServices {
  deps: MediaDeps;
  uploader: Uploader;
}

/** An image that passed every check. */
export interface ImageReport {
  format: 'jpeg' | 'png' | 'bmp' | 'webp';
  /** File size in bytes; undefined only when a server would not tell. */
  bytes: number | undefined;
  width: number;
  height: number;
}

/** An audio file that passed every check. */
export interface AudioReport {
  format: 'wav' | 'mp3';
  /** File size in bytes; undefined only when a server would not tell. */
  bytes: number | undefined;
  durationSec: number;
}

/** Result of `inspectMedia()`: both files, measured from their bytes, within every limit. */
export interface MediaReport {
  image: ImageReport;
  audio: AudioReport;
}

/** An input after classification and, for local ones, opening. */
export type OpenedInput = { kind: 'remote'; url: string } | { kind: 'local'; file: LocalFile };

/** The inputs to prepare, by field, with the name each has in the caller's API (for issue paths). */
export type InputSpec = Partial<Record<MediaField, { input: MediaInput; path: string }>>;

/** Classifies and opens every input; problems are returned, not thrown, to merge with others. */
export async function openInputs(
  spec: InputSpec,
): Promise<{ opened: Partial<Record<MediaField, OpenedInput>>; issues: ValidationIssue[] }> {
  const opened: Partial<Record<MediaField, OpenedInput>> = {};
  const entries = Object.entries(spec) as [MediaField, { input: MediaInput; path: string }][];
  // One slot per input, so issues come out in argument order whichever file opens first.
  const found = await Promise.all(
    entries.map(async ([field, item]): Promise<ValidationIssue | undefined> => {
      const classified = classifyInput(item.input, item.path);
      if (isIssue(classified)) return classified;
      if (classified.kind === 'remote') {
        opened[field] = classified;
        return undefined;
      }
      const local = await openLocal(classified, item.path);
      if (isIssue(local)) return local;
      opened[field] = { kind: 'local', file: local };
      return undefined;
    }),
  );
  const issues = found.filter((issue): issue is ValidationIssue => issue !== undefined);
  return { opened, issues };
}

/** Measures one input; `undefined` for `oss://` URLs, which cannot be read back. */
async function measure(
  services: MediaServices,
  field: MediaField,
  input: OpenedInput,
  signal: AbortSignal | undefined,
): Promise<ImageMeasurement | AudioMeasurement | undefined> {
  if (input.kind === 'remote' && input.url.startsWith('oss:')) return undefined;
  const reader =
    input.kind === 'local' ? blobReader(input.file.blob) : remoteReader(services.deps, input.url, signal);
  const limit = LIMITS[field].maxBytes;
  // A file already over the size limit fails anyway: read only enough to name its format.
  const maxRead = input.kind === 'local' && input.file.blob.size >= limit ? 1024 * 1024 : limit;
  return field === 'image' ? measureImage(reader, maxRead) : measureAudio(reader, maxRead);
}

/**
 * Measures the inputs `select` picks and checks them against the limits. Resolves with what was
 * measured; rejects with one ValidationError naming every broken limit of both files.
 */
export async function checkInputs(
  services: MediaServices,
  opened: Partial<Record<MediaField, OpenedInput>>,
  select: (input: OpenedInput) => boolean,
  signal: AbortSignal | undefined,
): Promise<{ image?: ImageMeasurement | undefined; audio?: AudioMeasurement | undefined }> {
  const { image, audio } = opened;
  const [imageMeasured, audioMeasured] = await Promise.all([
    image && select(image) ? measure(services, 'image', image, signal) : undefined,
    audio && select(audio) ? measure(services, 'audio', audio, signal) : undefined,
  ]);
  const issues = [
    ...(imageMeasured ? imageIssues(imageMeasured as ImageMeasurement) : []),
    ...(audioMeasured ? audioIssues(audioMeasured as AudioMeasurement) : []),
  ];
  if (issues.length > 0) throw new ValidationError(issues, 'media');
  return {
    image: imageMeasured as ImageMeasurement | undefined,
    audio: audioMeasured as AudioMeasurement | undefined,
  };
}

/**
 * Checks local inputs always, and remote ones when `preflight` is set, then uploads the local ones.
 * Resolves with the URL to send for each field.
 */
export async function resolveMediaUrls(
  services: MediaServices,
  opened: Partial<Record<MediaField, OpenedInput>>,
  options: { preflight: boolean; signal: AbortSignal | undefined },
): Promise<Partial<Record<MediaField, string>>> {
  const measured = await checkInputs(
    services,
    opened,
    (input) => input.kind === 'local' || options.preflight,
    options.signal,
  );
  const urls: Partial<Record<MediaField, string>> = {};
  for (const field of ['image', 'audio'] as const) {
    const input = opened[field];
    if (!input) continue;
    if (input.kind === 'remote') {
      urls[field] = input.url;
      continue;
    }
    const format = measured[field]?.format ?? 'bin';
    urls[field] = await services.uploader.upload({ ...input.file, format }, options.signal);
  }
  return urls;
}

/** Turns checked measurements into the public report (only called after every check passed). */
export function toReport(measured: { image?: ImageMeasurement; audio?: AudioMeasurement }): MediaReport {
  const { image, audio } = measured;
  if (!image || !audio) throw new Error('toReport needs both measurements');
  return {
    image: {
      format: image.format as ImageReport['format'],
      bytes: image.bytes,
      width: image.width ?? 0,
      height: image.height ?? 0,
    },
    audio: {
      format: audio.format as AudioReport['format'],
      bytes: audio.bytes,
      durationSec: audio.durationSec ?? 0,
    },
  };
}
