import type { Segment } from './transcriptions-store.js';

/** Renders a transcript for reading: one line per segment, `[hh:mm:ss] Speaker: text`, times from `origin`. */
export function toPlainText(segments: Segment[], origin: string): string {
  const t0 = Date.parse(origin);
  return segments.map((s) => `[${clock(Date.parse(s.startAt) - t0, ':', false)}] ${label(s)}${s.text}`).join('\n') + (segments.length ? '\n' : '');
}

/** WebVTT: one cue per segment, the speaker as a voice span. */
export function toWebVtt(segments: Segment[], origin: string): string {
  const t0 = Date.parse(origin);
  const cues = segments.map((s, i) => {
    const voice = s.speakerName ?? s.speakerIdentity;
    const text = escapeVtt(s.text);
    return `${i + 1}\n${clock(Date.parse(s.startAt) - t0, '.', true)} --> ${clock(Date.parse(s.endAt) - t0, '.', true)}\n${voice ? `<v ${escapeVtt(voice)}>${text}` : text}`;
  });
  return `WEBVTT\n\n${cues.join('\n\n')}${cues.length ? '\n' : ''}`;
}

/** SubRip: one numbered cue per segment, the speaker as a prefix. */
export function toSrt(segments: Segment[], origin: string): string {
  const t0 = Date.parse(origin);
  return segments
    .map((s, i) => `${i + 1}\n${clock(Date.parse(s.startAt) - t0, ',', true)} --> ${clock(Date.parse(s.endAt) - t0, ',', true)}\n${label(s)}${s.text}\n`)
    .join('\n');
}

function label(s: Segment): string {
  const who = s.speakerName ?? s.speakerIdentity;
  return who ? `${who}: ` : '';
}

/** hh:mm:ss with optional milliseconds; negative offsets clamp to zero. */
function clock(ms: number, sep: string, withMillis: boolean): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const base = `${pad(h)}:${pad(m)}:${pad(s)}`;
  return withMillis ? `${base}${sep}${String(total % 1000).padStart(3, '0')}` : base;
}

const pad = (n: number) => String(n).padStart(2, '0');

function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '--&gt;');
}
