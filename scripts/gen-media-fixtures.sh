#!/usr/bin/env bash
# Regenerates the small media fixtures in test/fixtures/media (committed: tests never need these tools).
# Needs ffmpeg (with libmp3lame and libwebp) and jpegtran (Debian: libjpeg-turbo-progs).
# Boundary cases that would be big files (181 s of audio, a 4097-px image, 10 MB) are built inside
# the tests instead, from headers plus filler bytes.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/media"
mkdir -p "$out"
ff() { ffmpeg -y -hide_banner -loglevel error -fflags +bitexact "$@"; }

# Images: 96x128 (portrait, ratio 1.33), every accepted format. The picture content does not matter.
src=(-f lavfi -i 'testsrc2=size=96x128:rate=1:duration=1' -frames:v 1 -map_metadata -1)
ff "${src[@]}" -c:v mjpeg -q:v 8 "$out/face-baseline.jpg"
jpegtran -progressive -copy none -outfile "$out/face-progressive.jpg" "$out/face-baseline.jpg"
ff "${src[@]}" -c:v png "$out/face.png"
ff "${src[@]}" -c:v bmp -pix_fmt bgr24 "$out/face.bmp"
ff "${src[@]}" -c:v libwebp -quality 40 "$out/face.webp"
# A PNG whose name says JPEG: the format must come from the bytes.
cp "$out/face.png" "$out/really-a-png.jpg"
# A GIF, a format LivePortrait refuses.
ff "${src[@]}" -c:v gif "$out/face.gif"

# Audio: 2 s of a tone, 8 kHz mono (speech content does not matter to the checks).
tone=(-f lavfi -i 'sine=frequency=330:duration=2:sample_rate=8000' -ac 1 -map_metadata -1)
ff "${tone[@]}" -c:a pcm_u8 "$out/voice.wav"
# CBR MP3 with an ID3v2 tag (title), no Xing header: duration comes from bitrate and file size.
ff "${tone[@]}" -c:a libmp3lame -b:a 32k -write_xing 0 -id3v2_version 3 -metadata title=voice "$out/voice-cbr.mp3"
# VBR MP3 with an ID3v2 tag and a Xing header: duration comes from the Xing frame count.
ff "${tone[@]}" -c:a libmp3lame -q:a 6 -id3v2_version 4 -metadata title=voice "$out/voice-vbr.mp3"
# An MP3 named .wav: the extension lies.
cp "$out/voice-cbr.mp3" "$out/really-an-mp3.wav"
# FLAC, an audio format LivePortrait refuses.
ff "${tone[@]}" -c:a flac "$out/voice.flac"
ls -l "$out"
