import { cleanText, DomainError } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';

const field = ['input', 'line1'];
const line = (value: string) => cleanText(value, field, { max: 20 });
function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('cleanText', () => {
  it('stores "é" composed whether it was typed composed or decomposed', () => {
    expect(line('Cafe\u0301')).toBe('Caf\u00e9');
    expect(line('Caf\u00e9')).toBe('Caf\u00e9');
    // Counted after composing: 20 decomposed "é" are 40 code units but 20 characters.
    expect(line('e\u0301'.repeat(20))).toBe('\u00e9'.repeat(20));
  });

  it.each([
    ['Japanese', '東京都千代田区千代田1-1'],
    ['Arabic', 'شارع الملك فهد'],
    ['Hebrew', 'רחוב הרצל 5'],
    ['Devanagari', 'नमस्ते मार्ग'],
    ['an emoji', 'Flat 2 🏠'],
  ])('accepts %s', (_script, text) => {
    expect(line(`  ${text} `)).toBe(text);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['a line feed', '\n'],
    ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
    ['LEFT-TO-RIGHT EMBEDDING', '\u202a'],
    ['RIGHT-TO-LEFT MARK', '\u200f'],
    ['FIRST STRONG ISOLATE', '\u2068'],
    ['ARABIC LETTER MARK', '\u061c'],
    ['ZERO WIDTH SPACE', '\u200b'],
    ['ZERO WIDTH JOINER', '\u200d'],
    ['WORD JOINER', '\u2060'],
    ['a byte order mark', '\ufeff'],
  ])('refuses %s inside the text, naming the field and the character', (_name, char) => {
    const err = refusal(() => line(`1 Main${char}St`));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field });
    const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    expect(err.message).toBe(`line1 must not contain control, bidirectional or zero-width characters (found U+${hex})`);
  });

  it('lets multi-line text keep line feeds and tabs, and nothing else invisible', () => {
    const note = (value: string) => cleanText(value, ['note'], { max: 100, multiline: true });
    expect(note('Left with\r\nneighbour\n\tat no. 5\r')).toBe('Left with\nneighbour\n\tat no. 5');
    expect(refusal(() => note('Left\u202ewith neighbour')).field).toEqual(['note']);
    expect(refusal(() => note('Left\u0000with neighbour')).field).toEqual(['note']);
    expect(refusal(() => note('Left\u000bwith neighbour')).field).toEqual(['note']);
  });

  it('enforces the length and uses the given code and label', () => {
    const name = (value: string) => cleanText(value, ['input', 'name'], { min: 1, max: 5, code: 'INVALID_NAME', label: 'Name' });
    expect(refusal(() => name('   '))).toMatchObject({ code: 'INVALID_NAME', field: ['input', 'name'], message: 'Name is required' });
    expect(refusal(() => name('Abcdef'))).toMatchObject({ message: 'Name must be 1 to 5 characters' });
    expect(refusal(() => line('x'.repeat(21)))).toMatchObject({ message: 'line1 must be at most 20 characters' });
    expect(line('   ')).toBe('');
  });
});
