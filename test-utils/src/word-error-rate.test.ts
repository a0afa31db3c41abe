import { describe, expect, it } from 'vitest';
import { normalizeWords, wordEditDistance, wordErrorRate } from './word-error-rate.js';

describe('normalizeWords', () => {
  it('lower-cases and drops punctuation but keeps contractions', () => {
    expect(normalizeWords("Hello, World! Don't stop—now.")).toEqual(['hello', 'world', "don't", 'stop', 'now']);
  });

  it('treats curly apostrophes as straight ones and strips quotes around words', () => {
    expect(normalizeWords('It\u2019s \'quoted\'')).toEqual(["it's", 'quoted']);
  });

  it('keeps letters and digits of any script', () => {
    expect(normalizeWords('Größe 42 café')).toEqual(['größe', '42', 'café']);
  });

  it('returns nothing for blank text', () => {
    expect(normalizeWords('  ... ')).toEqual([]);
  });
});

describe('wordEditDistance', () => {
  it('counts substitutions, deletions and insertions', () => {
    expect(wordEditDistance(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(0);
    expect(wordEditDistance(['a', 'b', 'c'], ['a', 'x', 'c'])).toBe(1);
    expect(wordEditDistance(['a', 'b', 'c'], ['a', 'c'])).toBe(1);
    expect(wordEditDistance(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBe(1);
    expect(wordEditDistance(['a', 'b'], [])).toBe(2);
    expect(wordEditDistance([], ['a'])).toBe(1);
  });

  it('finds the cheapest alignment, not the positional one', () => {
    // Positionally every word differs; one deletion at the front and one insertion at the end suffice.
    expect(wordEditDistance(['x', 'a', 'b', 'c'], ['a', 'b', 'c', 'y'])).toBe(2);
  });
});

describe('wordErrorRate', () => {
  it('is the edit distance over the reference length, after normalisation', () => {
    expect(wordErrorRate('The quick brown fox.', 'the quick brown fox')).toBe(0);
    expect(wordErrorRate('The quick brown fox.', 'the quick round fox')).toBe(0.25);
    expect(wordErrorRate('one two', 'one two three four')).toBe(1);
  });

  it('handles an empty reference', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });
});
