/**
 * C2SP signed-note (https://c2sp.org/signed-note): parsing and formatting of notes.
 *
 * A note is a text ending in a newline, a blank line, then one or more signature lines
 * `— <key name> <base64(uint32 key ID BE || signature)>\n` (U+2014, U+0020). The text and the
 * signatures are separated by the LAST blank line. Notes MUST be valid UTF-8 without ASCII control
 * characters other than newline; key names MUST be non-empty without Unicode spaces or `+`.
 *
 * Limits (the spec asks verifiers to bound the work a note can cause): at most
 * MAX_NOTE_SIGNATURES signature lines (more → NOTE_TOO_MANY_SIGNATURES, as golang.org/x/mod's
 * note.Open rejects 101) and at most MAX_NOTE_LENGTH UTF-16 code units in total.
 */
import { base64Decode, base64Encode, utf8Decode } from '../encoding.js';
import { ScribaError } from '../errors.js';

/** Maximum number of signature lines accepted in one note. */
export const MAX_NOTE_SIGNATURES = 100;
/** Maximum size of a note (text plus signatures), in UTF-16 code units. */
export const MAX_NOTE_LENGTH = 1 << 20;

/** One signature line. `signature` excludes the 4-byte key ID. */
export type NoteSignature = { name: string; keyHash: number; signature: Uint8Array };
/** A parsed note. `text` is the signed body including its final newline. */
export type Note = { text: string; signatures: NoteSignature[] };

const EM_DASH_PREFIX = '\u2014 ';

/**
 * True when `s` has no ASCII control character other than newline and no lone surrogate (so it
 * is valid UTF-8 once encoded). A loop, not a regex: this runs on every note verified.
 */
function isCleanText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x0a) return false;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00) return false;
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** Unicode White_Space as Go's unicode.IsSpace sees it (what golang.org/x/mod/sumdb/note uses). */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function malformed(msg: string): never {
  throw new ScribaError('NOTE_MALFORMED', `note: ${msg}`);
}

/** True when `name` is a valid key name: non-empty, no Unicode spaces, no `+`. */
export function isValidKeyName(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2b || isSpace(c)) return false;
  }
  return isCleanText(name);
}

/**
 * Checks that `text` can be the body of a note: a string ending in newline, valid UTF-8, no
 * control characters other than newline. Throws NOTE_MALFORMED.
 */
export function checkNoteText(text: string): void {
  if (typeof text !== 'string') malformed('text must be a string');
  if (text.length === 0 || !text.endsWith('\n')) malformed('text must end in a newline');
  if (text.length > MAX_NOTE_LENGTH) malformed('text too long');
  if (!isCleanText(text)) malformed('text contains control characters or invalid Unicode');
}

/** The 4 big-endian bytes of a uint32 key ID. */
export function keyHashBytes(keyHash: number): Uint8Array {
  return Uint8Array.of(
    (keyHash >>> 24) & 0xff,
    (keyHash >>> 16) & 0xff,
    (keyHash >>> 8) & 0xff,
    keyHash & 0xff,
  );
}

/** The uint32 read big-endian from the first 4 bytes of `b`. */
export function keyHashFromBytes(b: Uint8Array): number {
  return (
    (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
  );
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_PREFIX)) malformed('signature line must start with "— "');
  const rest = line.slice(EM_DASH_PREFIX.length);
  const sp = rest.indexOf(' ');
  if (sp < 0) malformed('signature line without a signature');
  const name = rest.slice(0, sp);
  if (!isValidKeyName(name)) malformed('invalid key name');
  let raw: Uint8Array;
  try {
    raw = base64Decode(rest.slice(sp + 1));
  } catch (cause) {
    throw new ScribaError('NOTE_MALFORMED', 'note: signature is not valid base64', { cause });
  }
  if (raw.length < 5) malformed('signature too short');
  return { name, keyHash: keyHashFromBytes(raw), signature: raw.subarray(4) };
}

/**
 * Parses a signed note (a string, or UTF-8 bytes). Throws NOTE_MALFORMED on any deviation from
 * the format and NOTE_TOO_MANY_SIGNATURES above MAX_NOTE_SIGNATURES. Signatures are not verified.
 */
export function parseNote(input: string | Uint8Array): Note {
  let msg: string;
  if (typeof input === 'string') msg = input;
  else if (input instanceof Uint8Array) {
    if (input.length > 4 * MAX_NOTE_LENGTH) malformed('note too long');
    try {
      msg = utf8Decode(input);
    } catch (cause) {
      throw new ScribaError('NOTE_MALFORMED', 'note: invalid UTF-8', { cause });
    }
  } else malformed('note must be a string or bytes');
  if (msg.length > MAX_NOTE_LENGTH) malformed('note too long');
  if (!isCleanText(msg)) malformed('note contains control characters or invalid Unicode');
  if (!msg.endsWith('\n')) malformed('note must end in a newline');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) malformed('no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  const sigBlock = msg.slice(split + 2);
  if (sigBlock.length === 0) malformed('no signatures');
  // sigBlock ends in '\n', so the last element is empty.
  const lines = sigBlock.split('\n');
  lines.pop();
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new ScribaError('NOTE_TOO_MANY_SIGNATURES', `note: more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const signatures = lines.map(parseSignatureLine);
  return { text, signatures };
}

/** The start of every signature line by key `name`: U+2014, a space, the name, a space. */
export function signatureLinePrefix(name: string): string {
  return `${EM_DASH_PREFIX}${name} `;
}

/** Formats one signature line (with its trailing newline). */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) malformed('invalid key name');
  if (!Number.isInteger(sig.keyHash) || sig.keyHash < 0 || sig.keyHash > 0xffffffff)
    malformed('invalid key hash');
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length === 0) malformed('empty signature');
  const raw = new Uint8Array(4 + sig.signature.length);
  raw.set(keyHashBytes(sig.keyHash), 0);
  raw.set(sig.signature, 4);
  return `${EM_DASH_PREFIX}${sig.name} ${base64Encode(raw)}\n`;
}

/** Formats a note. Throws NOTE_MALFORMED when the result would not parse back to `note`. */
export function formatNote(note: Note): string {
  checkNoteText(note.text);
  if (!Array.isArray(note.signatures) || note.signatures.length === 0)
    malformed('a note needs at least one signature');
  if (note.signatures.length > MAX_NOTE_SIGNATURES) {
    throw new ScribaError('NOTE_TOO_MANY_SIGNATURES', `note: more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}
