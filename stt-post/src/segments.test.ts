import { describe, expect, it } from 'vitest';
import type { JobInput } from './queue.js';
import { dominantLanguage, inputSegments, mergeSegments, recordingDurationMs, segmentLanguage, speakerOf, whisperLanguage, type Segment } from './segments.js';

const input = (over: Partial<JobInput> = {}): JobInput => ({ bucket: 'b', objectKey: 'k', participantIdentity: null, trackSid: null, offsetMs: 0, ...over });
const job = { language: 'en-US', participants: { TR_alice: 'Alice (track)', bob: 'Bob' } };

describe('whisperLanguage', () => {
  it('maps BCP-47 tags to whisper codes', () => {
    expect(whisperLanguage('en-US')).toBe('en');
    expect(whisperLanguage('pt_BR')).toBe('pt');
    expect(whisperLanguage('zh-Hant-TW')).toBe('zh');
    expect(whisperLanguage('DE')).toBe('de');
  });
  it('lets whisper detect undetermined or malformed tags', () => {
    expect(whisperLanguage('und')).toBeNull();
    expect(whisperLanguage('mul')).toBeNull();
    expect(whisperLanguage('auto-detect')).toBeNull();
    expect(whisperLanguage('')).toBeNull();
  });
});

describe('segmentLanguage', () => {
  it('keeps the requested tag when whisper heard that language, else what it heard', () => {
    expect(segmentLanguage('en-US', 'en')).toBe('en-US');
    expect(segmentLanguage('en-US', 'de')).toBe('de');
    expect(segmentLanguage('en-US', null)).toBe('en-US');
  });
});

describe('speakerOf', () => {
  it('names a speaker by track sid first, then identity, then the identity itself', () => {
    expect(speakerOf({ participantIdentity: 'alice', trackSid: 'TR_alice' }, job.participants)).toEqual({ speakerIdentity: 'alice', speakerName: 'Alice (track)', trackSid: 'TR_alice' });
    expect(speakerOf({ participantIdentity: 'bob', trackSid: 'TR_bob' }, job.participants)).toEqual({ speakerIdentity: 'bob', speakerName: 'Bob', trackSid: 'TR_bob' });
    expect(speakerOf({ participantIdentity: 'carol', trackSid: null }, job.participants)).toEqual({ speakerIdentity: 'carol', speakerName: 'carol', trackSid: null });
  });
  it('has no speaker for a mixed recording', () => {
    expect(speakerOf({ participantIdentity: null, trackSid: null }, job.participants)).toEqual({ speakerIdentity: null, speakerName: null, trackSid: null });
  });
  it('never resolves a name from Object.prototype', () => {
    expect(speakerOf({ participantIdentity: 'constructor', trackSid: 'toString' }, {}).speakerName).toBe('constructor');
  });
  it('names a track with no identity only from participants', () => {
    expect(speakerOf({ participantIdentity: null, trackSid: 'TR_alice' }, job.participants).speakerName).toBe('Alice (track)');
    expect(speakerOf({ participantIdentity: null, trackSid: 'TR_x' }, job.participants).speakerName).toBeNull();
  });
});

describe('inputSegments', () => {
  it('offsets times, tags the speaker, drops empty text and numbers keys stably', () => {
    const segs = inputSegments(
      2,
      input({ participantIdentity: 'bob', trackSid: 'TR_bob', offsetMs: 1500 }),
      { language: 'en', segments: [{ start: 0.2, end: 1.25, text: ' Hello. ' }, { start: 1.3, end: 1.4, text: '  ' }, { start: 2, end: 3.0004, text: 'World' }] },
      job,
    );
    expect(segs).toEqual([
      { key: '2-0', speakerIdentity: 'bob', speakerName: 'Bob', trackSid: 'TR_bob', text: 'Hello.', language: 'en-US', startMs: 1700, endMs: 2750 },
      { key: '2-1', speakerIdentity: 'bob', speakerName: 'Bob', trackSid: 'TR_bob', text: 'World', language: 'en-US', startMs: 3500, endMs: 4500 },
    ]);
  });
  it('never ends a segment before it starts', () => {
    const [s] = inputSegments(0, input(), { language: 'en', segments: [{ start: 5, end: 4.9, text: 'x' }] }, job);
    expect(s).toMatchObject({ startMs: 5000, endMs: 5000 });
  });
});

describe('mergeSegments', () => {
  const seg = (key: string, startMs: number, endMs: number): Segment => ({ key, speakerIdentity: null, speakerName: null, trackSid: null, text: key, language: 'en', startMs, endMs });
  it('interleaves inputs by start time, keeping input order on ties', () => {
    const merged = mergeSegments([
      [seg('0-0', 0, 1000), seg('0-1', 3000, 4000)],
      [seg('1-0', 500, 2000), seg('1-1', 3000, 4000), seg('1-2', 3000, 3500)],
    ]);
    expect(merged.map((s) => s.key)).toEqual(['0-0', '1-0', '1-2', '0-1', '1-1']);
  });
  it('handles no input', () => {
    expect(mergeSegments([[], []])).toEqual([]);
  });
});

describe('recordingDurationMs and dominantLanguage', () => {
  it('ends where the last input ends', () => {
    expect(recordingDurationMs([{ offsetMs: 0, durationMs: 10_000 }, { offsetMs: 8000, durationMs: 5000 }])).toBe(13_000);
    expect(recordingDurationMs([])).toBe(0);
  });
  it('picks the language with the most speech', () => {
    const s = (language: string, ms: number): Segment => ({ key: 'k', speakerIdentity: null, speakerName: null, trackSid: null, text: 't', language, startMs: 0, endMs: ms });
    expect(dominantLanguage([s('en-US', 1000), s('de', 600), s('de', 600)])).toBe('de');
    expect(dominantLanguage([])).toBeNull();
  });
});
