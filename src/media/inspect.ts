/**
 * Measuring media from its bytes: real format (never the file name), size, image dimensions and audio
 * duration, reading as little as possible. image-size and music-metadata are loaded on first use, so
 * importing the SDK stays fast for programs that never inspect media.
 */
import type { ByteReader } from './readers.js';
import { sniffFormat } from './sniff.js';

/** What was measured of an image. Fields are undefined when the bytes did not say. */
export interface ImageMeasurement {
  /**
   * `jpeg`, `png`, `bmp`, `webp`, another format recognised from the bytes (`gif`, `tiff`, `mp4`,
   * `wav`, `html`, …), or `unknown`.
   */
  format: string;
  /** File size in bytes; undefined when a server did not tell. */
  bytes: number | undefined;
  width: number | undefined;
  height: number | undefined;
}

/** What was measured of an audio file. */
export interface AudioMeasurement {
  /** `wav`, `mp3`, another format recognised from the bytes (`flac`, `ogg`, `m4a`, `png`, `html`, …), or `unknown`. */
  format: string;
  bytes: number | undefined;
  /** Length in seconds; undefined when it could not be determined. */
  durationSec: number | undefined;
}

/**
 * How much to read, step by step, until the answer is known. Headers are almost always in the first
 * 64 KiB; an ID3v2 tag with cover art or a JPEG with big EXIF/ICC segments can push them further.
 */
const PREFIX_STEPS = [64 * 1024, 1024 * 1024];

type ImageSizeModule = typeof import('image-size');
type MusicMetadataModule = typeof import('music-metadata');
let imageSizeModule: Promise<ImageSizeModule> | undefined;
let musicMetadataModule: Promise<MusicMetadataModule> | undefined;

/** Measures an image, reading its start; `maxRead` bounds the bytes read (the size limit is enough). */
export async function measureImage(reader: ByteReader, maxRead: number): Promise<ImageMeasurement> {
  imageSizeModule ??= import('image-size');
  const { imageSize } = await imageSizeModule;
  let bytes: Uint8Array = new Uint8Array(0);
  for (const length of steps(maxRead)) {
    bytes = await reader.readPrefix(length);
    const whole = reader.size !== undefined && bytes.length >= reader.size;
    try {
      const size = imageSize(bytes);
      const format = size.type === 'jpg' ? 'jpeg' : (size.type ?? 'unknown');
      return { format, bytes: reader.size, width: size.width, height: size.height };
    } catch {
      // image-size throws both for "not an image" and for "header not in these bytes yet".
      if (whole || bytes.length < length) break;
    }
  }
  return { format: sniffFormat(bytes) ?? 'unknown', bytes: reader.size, width: undefined, height: undefined };
}

/**
 * Measures an audio file. music-metadata parses a stream of the prefix, told the real file size:
 * - WAV: the `fmt ` and `data` chunk headers give the duration (data size / byte rate);
 * - MP3 with a Xing/Info or VBRI header (LAME writes one by default): frame count × samples per frame;
 * - MP3 without one: music-metadata reads 4 frames; if their bitrates agree it is CBR and the
 *   duration is (audio bytes / frame size) × samples per frame, from the file size.
 * Only a VBR MP3 without a Xing/VBRI header needs every frame counted; that is done on the whole
 * file (at most the size limit), as the last step.
 */
export async function measureAudio(reader: ByteReader, maxRead: number): Promise<AudioMeasurement> {
  musicMetadataModule ??= import('music-metadata');
  const { parseWebStream } = await musicMetadataModule;
  let format: string | undefined;
  let bytes: Uint8Array = new Uint8Array(0);
  for (const length of steps(maxRead)) {
    bytes = await reader.readPrefix(length);
    const whole = bytes.length < length || (reader.size !== undefined && bytes.length >= reader.size);
    try {
      // Streamed (not parseBuffer): with a buffer, music-metadata takes the prefix for the whole file.
      const metadata = await parseWebStream(
        new Blob([bytes]).stream(),
        { size: reader.size ?? bytes.length },
        { duration: whole, skipCovers: true, skipPostHeaders: true },
      );
      format = audioFormat(metadata.format.container, metadata.format.codec, bytes);
      const duration = metadata.format.duration;
      if (duration !== undefined && Number.isFinite(duration))
        return { format, bytes: reader.size, durationSec: duration };
    } catch {
      // Not audio, or the prefix ended inside a header: the next, longer read decides.
    }
    if (whole) break;
  }
  return { format: format ?? sniffFormat(bytes) ?? 'unknown', bytes: reader.size, durationSec: undefined };
}

/**
 * music-metadata's container/codec → the names LIMITS uses. Other containers are named from the bytes
 * where possible: music-metadata calls an MP4 by its brands (`isom/iso2/avc1/mp41`).
 */
function audioFormat(container: string | undefined, codec: string | undefined, bytes: Uint8Array): string {
  if (container === 'WAVE') return 'wav';
  if (container === 'MPEG') return codec?.includes('Layer 3') ? 'mp3' : 'mpeg';
  return sniffFormat(bytes) ?? (container ? container.toLowerCase() : 'unknown');
}

/** 64 KiB, 1 MiB, then everything up to `maxRead`; never more than `maxRead`. */
function steps(maxRead: number): number[] {
  const small = PREFIX_STEPS.filter((step) => step < maxRead);
  return [...small, maxRead];
}
