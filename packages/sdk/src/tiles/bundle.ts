/**
 * C2SP tlog-tiles entry bundles (https://c2sp.org/tlog-tiles): a sequence of log entries, each
 * prefixed by its length as a big-endian uint16. A bundle holds at most 256 entries (one per hash
 * of the matching level-0 tile). Decoding input from the network MUST fail with a coded error on
 * truncation, trailing bytes or too many entries.
 */
import { ScribaError } from '../errors.js';
import { TILE_WIDTH } from './layout.js';

/** Largest entry a bundle can carry (uint16 length). */
export const MAX_BUNDLE_ENTRY_SIZE = 0xffff;

/** Encodes entries as a bundle (uint16 BE length prefixes). Throws ENTRY_BUNDLE_INVALID if one is too large. */
export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length > TILE_WIDTH) {
    throw new ScribaError(
      'ENTRY_BUNDLE_INVALID',
      `an entry bundle holds an array of at most ${TILE_WIDTH} entries`,
    );
  }
  let total = 0;
  for (const e of entries) {
    if (!(e instanceof Uint8Array) || e.length > MAX_BUNDLE_ENTRY_SIZE) {
      throw new ScribaError(
        'ENTRY_BUNDLE_INVALID',
        `bundle entries must be byte arrays of at most 65535 bytes`,
      );
    }
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const e of entries) {
    out[pos] = e.length >>> 8;
    out[pos + 1] = e.length & 0xff;
    out.set(e, pos + 2);
    pos += 2 + e.length;
  }
  return out;
}

/**
 * Decodes a bundle into its entries (views into `bundle`, no copies). If `expectedCount` is given, the bundle MUST hold
 * exactly that many entries. Throws ENTRY_BUNDLE_INVALID on truncation or too many entries.
 */
export function decodeEntryBundle(bundle: Uint8Array, expectedCount?: number): Uint8Array[] {
  if (!(bundle instanceof Uint8Array)) throw new ScribaError('ENTRY_BUNDLE_INVALID', 'bundle must be bytes');
  const entries: Uint8Array[] = [];
  let pos = 0;
  while (pos < bundle.length) {
    if (entries.length === TILE_WIDTH) {
      throw new ScribaError('ENTRY_BUNDLE_INVALID', `bundle has more than ${TILE_WIDTH} entries`);
    }
    if (pos + 2 > bundle.length)
      throw new ScribaError('ENTRY_BUNDLE_INVALID', 'bundle truncated in a length prefix');
    const len = (bundle[pos]! << 8) | bundle[pos + 1]!;
    pos += 2;
    if (pos + len > bundle.length)
      throw new ScribaError('ENTRY_BUNDLE_INVALID', 'bundle truncated in an entry');
    entries.push(bundle.subarray(pos, pos + len));
    pos += len;
  }
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    throw new ScribaError(
      'ENTRY_BUNDLE_INVALID',
      `bundle has ${entries.length} entries, want ${expectedCount}`,
    );
  }
  return entries;
}
