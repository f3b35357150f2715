/**
 * Naming a file's format from its first bytes when the image or audio reader could not make sense of
 * it: a PNG passed as the audio, an MP4 passed as the image, or an HTML error page behind a URL. An
 * error that says "format is png" (or "html") tells the user what went wrong; "not an audio format"
 * does not.
 */

/** A signature: the bytes a file starts with (`undefined` matches any byte). */
type Signature = { format: string; bytes: readonly (number | undefined)[] };

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));
const riff = (kind: string): readonly (number | undefined)[] => [
  ...ascii('RIFF'),
  undefined,
  undefined,
  undefined,
  undefined,
  ...ascii(kind),
];

/** Checked in order; the first that matches names the format. */
const SIGNATURES: readonly Signature[] = [
  { format: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { format: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
  { format: 'gif', bytes: ascii('GIF8') },
  { format: 'webp', bytes: riff('WEBP') },
  { format: 'wav', bytes: riff('WAVE') },
  { format: 'avi', bytes: riff('AVI ') },
  { format: 'tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { format: 'tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { format: 'bmp', bytes: ascii('BM') },
  { format: 'mp3', bytes: ascii('ID3') },
  { format: 'flac', bytes: ascii('fLaC') },
  { format: 'ogg', bytes: ascii('OggS') },
  { format: 'webm', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { format: 'pdf', bytes: ascii('%PDF') },
  { format: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
];

/** ISO base media files (`ftyp` box at byte 4) by their major brand. */
const FTYP_BRANDS: Readonly<Record<string, string>> = {
  'M4A ': 'm4a',
  'M4B ': 'm4a',
  'qt  ': 'mov',
  heic: 'heic',
  heix: 'heic',
  mif1: 'heif',
  avif: 'avif',
};

/** The format `bytes` (a file's start) look like, or undefined when nothing here recognises them. */
export function sniffFormat(bytes: Uint8Array): string | undefined {
  for (const signature of SIGNATURES) {
    if (signature.bytes.every((byte, i) => byte === undefined || bytes[i] === byte)) return signature.format;
  }
  if (text(bytes, 4, 8) === 'ftyp') return FTYP_BRANDS[text(bytes, 8, 12)] ?? 'mp4';
  // An MPEG audio frame without an ID3 tag: 11 sync bits, then a layer that is not "reserved".
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0 && ((bytes[1] ?? 0) & 0x06) !== 0) return 'mp3';
  // A server's error or login page where the file should be.
  const head = text(bytes, 0, 512).trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'html';
  if (head.startsWith('<?xml')) return 'xml';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  return undefined;
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}
