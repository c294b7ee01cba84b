/**
 * C2SP tlog-tiles resource paths (https://c2sp.org/tlog-tiles): `tile/<L>/<N>[.p/<W>]` and
 * `tile/entries/<N>[.p/<W>]`.
 *
 * `<L>` is decimal 0..63 without leading zeros. `<N>` is split into zero-padded 3-digit path
 * elements, all but the last prefixed with `x` (1234067 -> `x001/x234/067`). `.p/<W>` is present
 * only for partial tiles, W decimal 1..255 without leading zeros. Parsing is strict: a path is
 * accepted only in its one canonical form (so `x000/067`, `.p/256`, `.p/0`, `.p/05` or `01` as a
 * level are rejected), since paths name immutable cached resources and MUST NOT alias.
 */
import { ScribaError } from '../errors.js';
import { checkTileId, MAX_TILE_LEVEL, TILE_WIDTH, type TileId } from './layout.js';

/** The `<N>[.p/<W>]` part of a tile or entry-bundle path. */
function indexPath(index: number, width: number): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  const n = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
  return width === TILE_WIDTH ? n : `${n}.p/${width}`;
}

/** Path of a Merkle tile: `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(tile: TileId): string {
  checkTileId(tile);
  return `tile/${tile.level}/${indexPath(tile.index, tile.width)}`;
}

/**
 * Path of the entry bundle for level-0 tile `index` with `width` entries (256 = full):
 * `tile/entries/<N>[.p/<W>]`.
 */
export function entryBundlePath(index: number, width: number = TILE_WIDTH): string {
  checkTileId({ level: 0, index, width });
  return `tile/entries/${indexPath(index, width)}`;
}

const INDEX_RE = /^((?:x\d{3}\/)*)(\d{3})(?:\.p\/([1-9]\d{0,2}))?$/;

/** Parses `<N>[.p/<W>]` strictly; undefined when not canonical. */
function parseIndexPath(s: string): { index: number; width: number } | undefined {
  const m = INDEX_RE.exec(s);
  if (!m) return undefined;
  const prefix = m[1]!;
  const groups =
    prefix === ''
      ? []
      : prefix
          .slice(0, -1)
          .split('/')
          .map((g) => g.slice(1));
  groups.push(m[2]!);
  if (groups.length > 1 && groups[0] === '000') return undefined; // non-canonical leading zeros
  const index = Number(groups.join(''));
  if (!Number.isSafeInteger(index)) return undefined;
  if (m[3] === undefined) return { index, width: TILE_WIDTH };
  const width = Number(m[3]);
  if (width >= TILE_WIDTH) return undefined; // a full tile has no .p/ suffix
  return { index, width };
}

const TILE_RE = /^tile\/(0|[1-9]\d?)\/(.+)$/;

/** Parses a Merkle tile path (`tile/<L>/<N>[.p/<W>]`); throws TILE_INVALID_PATH unless canonical. */
export function parseTilePath(path: string): TileId {
  if (typeof path !== 'string') throw new ScribaError('TILE_INVALID_PATH', 'tile path must be a string');
  const m = TILE_RE.exec(path);
  const level = m ? Number(m[1]) : Number.NaN;
  const rest = m ? parseIndexPath(m[2]!) : undefined;
  if (!rest || !(level <= MAX_TILE_LEVEL)) {
    throw new ScribaError(
      'TILE_INVALID_PATH',
      `not a canonical tile path: ${JSON.stringify(path.slice(0, 100))}`,
    );
  }
  return { level, index: rest.index, width: rest.width };
}

/** Parses an entry-bundle path (`tile/entries/<N>[.p/<W>]`); throws TILE_INVALID_PATH unless canonical. */
export function parseEntryBundlePath(path: string): { index: number; width: number } {
  if (typeof path !== 'string')
    throw new ScribaError('TILE_INVALID_PATH', 'entry bundle path must be a string');
  const rest = path.startsWith('tile/entries/')
    ? parseIndexPath(path.slice('tile/entries/'.length))
    : undefined;
  if (!rest) {
    throw new ScribaError(
      'TILE_INVALID_PATH',
      `not a canonical entry bundle path: ${JSON.stringify(path.slice(0, 100))}`,
    );
  }
  return rest;
}
