import { DomainError } from './errors.js';

export interface TextRules {
  /** Longest accepted length, counted after normalising and trimming (String length, as elsewhere). */
  max: number;
  /** Shortest accepted length; 1 makes the field required. Default 0. */
  min?: number;
  /** Allows line feeds and tabs (descriptions, notes); names, titles and address lines never need them. */
  multiline?: boolean;
  /** The error code; default INVALID_INPUT. */
  code?: string;
  /** How messages name the field; default the last segment of its path. */
  label?: string;
}

// Controls (C0, DEL, C1) have no business on a label or an admin screen, and
// NUL truncates strings in C libraries downstream (label printers, mailers).
// Bidi controls (U+061C, U+200E/F, U+202A-202E, U+2066-2069) reorder what a
// reader sees: "invoice<U+202E>gpj.exe" shows as "invoiceexe.jpg" (Trojan
// Source, CVE-2021-42574, did the same to code reviews).
// Zero-width characters make two equal-looking names differ and hide text.
const FORBIDDEN = /[\p{Cc}\p{Bidi_Control}\u200B-\u200D\u2060\uFEFF]/u;
const FORBIDDEN_MULTILINE = /(?![\n\t])[\p{Cc}\p{Bidi_Control}\u200B-\u200D\u2060\uFEFF]/u;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Free text as it may be stored and shown to people: NFC-normalised (so "é"
 * typed composed or decomposed is one string, for search and comparison
 * alike), trimmed, within its length, and free of control, bidi and
 * zero-width characters. Any script is welcome. Throws a DomainError naming
 * `field`, so callers validate every input before their first write.
 */
export function cleanText(value: string, field: string[], rules: TextRules): string {
  const { max, min = 0, multiline = false, code = 'INVALID_INPUT', label = field.at(-1) ?? 'text' } = rules;
  let text = value.normalize('NFC').trim();
  if (multiline) text = text.replace(/\r\n?/g, '\n');
  const bad = (multiline ? FORBIDDEN_MULTILINE : FORBIDDEN).exec(text);
  if (bad) {
    throw new DomainError(code, `${label} must not contain control, bidirectional or zero-width characters (found ${codePoint(bad[0])})`, field);
  }
  if (text.length === 0 && min > 0) throw new DomainError(code, `${label} is required`, field);
  if (text.length < min || text.length > max) {
    throw new DomainError(code, min > 0 ? `${label} must be ${min} to ${max} characters` : `${label} must be at most ${max} characters`, field);
  }
  return text;
}
