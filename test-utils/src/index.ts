/** @rtcstack/test-utils: what the tests of server, stt-live and stt-post share. */
export * from './speech.js';
export * from './word-error-rate.js';
export * from './whisper-worker.js';
