import type { PostSegment } from '@rtcstack/contracts';
import type { JobInput } from './queue.js';

/**
 * One transcribed segment as the control plane stores it (the contract's PostSegment; times in ms
 * from the recording start). Keys are stable across retries of the same job: `${inputIndex}-${n}`.
 * stt-post always knows the language, so it is never null here.
 */
export type Segment = PostSegment & { language: string };

/** A segment as whisper reports it: seconds from the start of one input's audio. */
export interface WhisperSegment {
  start: number;
  end: number;
  text: string;
}

/** Who speaks in an input; all null for a mixed recording. */
export interface Speaker {
  speakerIdentity: string | null;
  speakerName: string | null;
  trackSid: string | null;
}

/** Whisper's language code for a BCP-47 tag ("en-US" → "en"), or null to let whisper detect it. */
export function whisperLanguage(bcp47: string): string | null {
  const primary = bcp47.trim().split(/[-_]/)[0]?.toLowerCase() ?? '';
  if (!/^[a-z]{2,3}$/.test(primary) || primary === 'und' || primary === 'mul') return null;
  return primary;
}

/** The language to store: the requested tag when whisper heard that language, else what whisper heard. */
export function segmentLanguage(requested: string, detected: string | null): string {
  if (!detected || whisperLanguage(requested) === detected) return requested;
  return detected;
}

function lookup(names: Record<string, string>, key: string | null): string | undefined {
  // Object.hasOwn: a key such as "constructor" must not resolve to Object.prototype's members.
  return key !== null && Object.hasOwn(names, key) ? names[key] : undefined;
}

/** The speaker of an input: names come from `participants` by track sid, then identity. */
export function speakerOf(input: Pick<JobInput, 'participantIdentity' | 'trackSid'>, participants: Record<string, string>): Speaker {
  const identity = input.participantIdentity;
  const trackSid = input.trackSid;
  if (identity === null && trackSid === null) return { speakerIdentity: null, speakerName: null, trackSid: null };
  const speakerName = lookup(participants, trackSid) ?? lookup(participants, identity) ?? identity;
  return { speakerIdentity: identity, speakerName, trackSid };
}

/** Turns one input's whisper segments into recording-relative, speaker-tagged segments. */
export function inputSegments(
  inputIndex: number,
  input: JobInput,
  whisper: { language: string | null; segments: WhisperSegment[] },
  job: { language: string; participants: Record<string, string> },
): Segment[] {
  const speaker = speakerOf(input, job.participants);
  const language = segmentLanguage(job.language, whisper.language);
  const out: Segment[] = [];
  for (const s of whisper.segments) {
    const text = s.text.trim();
    if (!text) continue;
    const startMs = input.offsetMs + Math.max(0, Math.round(s.start * 1000));
    const endMs = Math.max(startMs, input.offsetMs + Math.round(s.end * 1000));
    out.push({ key: `${inputIndex}-${out.length}`, ...speaker, text, language, startMs, endMs });
  }
  return out;
}

/** All inputs' segments in one timeline: by start, then end, then input order (a stable sort). */
export function mergeSegments(perInput: Segment[][]): Segment[] {
  return perInput.flat().sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

/** The recording's length: where the last input ends. */
export function recordingDurationMs(inputs: { offsetMs: number; durationMs: number }[]): number {
  return inputs.reduce((max, i) => Math.max(max, i.offsetMs + i.durationMs), 0);
}

/** The language spoken most (by segment time), stored as the transcription's language; null when silent. */
export function dominantLanguage(segments: Segment[]): string | null {
  const totals = new Map<string, number>();
  for (const s of segments) totals.set(s.language, (totals.get(s.language) ?? 0) + Math.max(1, s.endMs - s.startMs));
  let best: string | null = null;
  for (const [language, ms] of totals) if (best === null || ms > (totals.get(best) ?? 0)) best = language;
  return best;
}
