import { describe, expect, it } from 'vitest';
import { equalsLowercase } from '../../src/core/equals-lowercase.js';

const word = Buffer.from('content-type', 'latin1');

describe('equalsLowercase', () => {
  it('matches the word in any case, at an offset', () => {
    expect(equalsLowercase(Buffer.from('content-type'), 0, word)).toBe(true);
    expect(equalsLowercase(Buffer.from('Content-Type'), 0, word)).toBe(true);
    expect(equalsLowercase(Buffer.from('xxCONTENT-TYPE'), 2, word)).toBe(true);
  });

  it('refuses any other byte in any position, including the CR that folds onto "-" (never in a header name)', () => {
    for (let i = 0; i < word.length; i++) {
      const other = Buffer.from(word);
      other[i] = other[i] === 0x78 ? 0x79 : 0x78;
      expect(equalsLowercase(other, 0, word)).toBe(false);
    }
    expect(equalsLowercase(Buffer.from('content_type'), 0, word)).toBe(false);
  });
});
