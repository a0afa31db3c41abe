import { describe, expect, it } from 'vitest';
import { toPlainText, toSrt, toWebVtt } from './transcript-format.js';
import type { Segment } from './transcriptions-store.js';

const origin = '2026-01-01T12:00:00.000Z';
const seg = (id: string, startMs: number, endMs: number, text: string, speakerName: string | null, speakerIdentity: string | null = null): Segment => ({
  id,
  speakerIdentity,
  speakerName,
  trackSid: null,
  text,
  language: 'en',
  startAt: new Date(Date.parse(origin) + startMs).toISOString(),
  endAt: new Date(Date.parse(origin) + endMs).toISOString(),
});
const segments = [seg('1', 1_500, 3_250, 'Hello there.', 'Alice'), seg('2', 3_661_001, 3_662_000, 'a < b --> c', null, 'bob')];

describe('transcript formats', () => {
  it('plain text: a line per segment with the offset and the speaker', () => {
    expect(toPlainText(segments, origin)).toBe('[00:00:01] Alice: Hello there.\n[01:01:01] bob: a < b --> c\n');
    expect(toPlainText([], origin)).toBe('');
  });

  it('WebVTT: cues with millisecond times, voice spans and escaped text', () => {
    expect(toWebVtt(segments, origin)).toBe(
      'WEBVTT\n\n1\n00:00:01.500 --> 00:00:03.250\n<v Alice>Hello there.\n\n2\n01:01:01.001 --> 01:01:02.000\n<v bob>a &lt; b --&gt; c\n',
    );
  });

  it('SRT: numbered cues with comma milliseconds', () => {
    expect(toSrt(segments, origin)).toBe('1\n00:00:01,500 --> 00:00:03,250\nAlice: Hello there.\n\n2\n01:01:01,001 --> 01:01:02,000\nbob: a < b --> c\n');
  });

  it('a segment without any speaker has no label', () => {
    expect(toPlainText([seg('1', 0, 1000, 'hi', null)], origin)).toBe('[00:00:00] hi\n');
  });
});
