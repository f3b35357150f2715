/** The media URLs every emulator-backed test submits: the emulator needs no real file behind them. */
export const IMAGE = 'https://example.com/face.png';
export const AUDIO = 'https://example.com/voice.mp3';
