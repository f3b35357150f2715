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

/**
 * An image as measured from its bytes. `format` is what the bytes are, whatever the file is called:
 * `jpeg`, `png`, `bmp` or `webp` (the formats DashScope accepts), another recognised format (`gif`,
 * `mp4`, `html`, …), or `unknown`. A figure is undefined when the bytes did not say.
 */
export type ImageReport = ImageMeasurement;

/** An audio file as measured from its bytes: `wav` or `mp3` (accepted), another format, or `unknown`. */
export type AudioReport = AudioMeasurement;

/**
 * Result of `inspectMedia()`: both files measured from their bytes, within the limits or not, and
 * every documented limit they break (what `preflight` and submit would refuse); `issues` is empty
 * when both files are fine.
 */
export interface MediaReport {
  image: ImageReport;
  audio: AudioReport;
  issues: ValidationIssue[];
}

/** An input after classification and, for local ones, opening. */
export type OpenedInput = { kind: 'remote'; url: string } | { kind: 'local'; file: LocalFile };

/** The inputs to prepare, by field, with the name each has in the caller's API (for issue paths). */
export type InputSpec = Partial<Record<MediaField, { input: MediaInput; path: string }>>;

/** Classifies and opens every input; problems are returned, not thrown, to merge with others. */
async function openInputs(
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

/** What {@link examineInputs} found: the inputs it could open, their figures, and every problem. */
export interface ExaminedInputs {
  opened: Partial<Record<MediaField, OpenedInput>>;
  measured: { image?: ImageMeasurement | undefined; audio?: AudioMeasurement | undefined };
  /** Inputs that could not be used at all: a missing file, a bad URL. */
  openIssues: ValidationIssue[];
  /** Limits the measured files break. */
  limitIssues: ValidationIssue[];
}

/**
 * Opens every input and measures those `select` picks, each as far as it can: a missing file does not
 * stop the other input from being measured, so one error can name the problems of both.
 */
export async function examineInputs(
  services: MediaServices,
  spec: InputSpec,
  select: (input: OpenedInput) => boolean,
  signal: AbortSignal | undefined,
): Promise<ExaminedInputs> {
  const { opened, issues: openIssues } = await openInputs(spec);
  const { image, audio } = opened;
  const [imageMeasured, audioMeasured] = await Promise.all([
    image && select(image) ? measure(services, 'image', image, signal) : undefined,
    audio && select(audio) ? measure(services, 'audio', audio, signal) : undefined,
  ]);
  const measured = {
    image: imageMeasured as ImageMeasurement | undefined,
    audio: audioMeasured as AudioMeasurement | undefined,
  };
  const limitIssues = [
    ...(measured.image ? imageIssues(measured.image) : []),
    ...(measured.audio ? audioIssues(measured.audio) : []),
  ];
  return { opened, measured, openIssues, limitIssues };
}

/**
 * `inspectMedia()`: both inputs measured, with the limits they break, or a `ValidationError` when one
 * cannot be read at all (listing the other's problems too). `oss://` URLs cannot be read back.
 */
export async function inspectInputs(
  services: MediaServices,
  spec: InputSpec,
  signal: AbortSignal | undefined,
): Promise<MediaReport> {
  const examined = await examineInputs(services, spec, () => true, signal);
  const unreadable = [...examined.openIssues];
  for (const [field, input] of Object.entries(examined.opened)) {
    if (input.kind === 'remote' && input.url.startsWith('oss:'))
      unreadable.push({ path: `${field}Url`, message: 'is in temporary storage, which cannot be read back' });
  }
  const { image, audio } = examined.measured;
  if (unreadable.length > 0 || !image || !audio)
    throw new ValidationError([...unreadable, ...examined.limitIssues], 'media');
  return { image, audio, issues: examined.limitIssues };
}

/** Uploads the local inputs to temporary storage; resolves with the URL to send for each field. */
export async function uploadLocalInputs(
  services: MediaServices,
  examined: ExaminedInputs,
  signal: AbortSignal | undefined,
): Promise<Partial<Record<MediaField, string>>> {
  const urls: Partial<Record<MediaField, string>> = {};
  for (const field of ['image', 'audio'] as const) {
    const input = examined.opened[field];
    if (!input) continue;
    if (input.kind === 'remote') {
      urls[field] = input.url;
      continue;
    }
    const format = examined.measured[field]?.format ?? 'bin';
    urls[field] = await services.uploader.upload({ ...input.file, format }, signal);
  }
  return urls;
}
