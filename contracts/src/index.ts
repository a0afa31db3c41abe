/**
 * @rtcstack/contracts: the one source of every shape that crosses a process boundary between the
 * control plane (server), stt-live and stt-post. Each side validates what it receives with these.
 */
export * from './internal-paths.js';
export * from './post-call.js';
export * from './segments.js';
export * from './stt-live.js';
