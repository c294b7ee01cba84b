import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  bytesEqual,
  concatBytes,
  hexDecode,
  hexEncode,
  useNativeBase64,
  utf8Decode,
  utf8Encode,
} from '../src/encoding.js';
import { codeOf } from './helpers/codes.js';

const enc = new TextEncoder();

// RFC 4648 §10 test vectors.
const RFC4648: [string, string, string][] = [
  ['', '', ''],
  ['f', 'Zg==', '66'],
  ['fo', 'Zm8=', '666f'],
  ['foo', 'Zm9v', '666f6f'],
  ['foob', 'Zm9vYg==', '666f6f62'],
  ['fooba', 'Zm9vYmE=', '666f6f6261'],
  ['foobar', 'Zm9vYmFy', '666f6f626172'],
];

describe('base64Encode / base64Decode', () => {
  describe('when given the RFC 4648 vectors', () => {
    it.each(RFC4648)('%j <-> %s', (plain, b64) => {
      expect(base64Encode(enc.encode(plain))).toBe(b64);
      expect(base64Decode(b64)).toEqual(enc.encode(plain));
    });
  });

  describe('when given every byte value', () => {
    it('round-trips', () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      for (let n = 0; n <= 256; n += 1) {
        const b = all.subarray(0, n);
        expect(base64Decode(base64Encode(b))).toEqual(b);
      }
    });
  });

  describe('when the input is not canonical standard base64', () => {
    it.each([
      ['Zg', 'missing padding'],
      ['Zg=', 'short padding'],
      ['Zh==', 'non-zero trailing bits'],
      ['Zm9=', 'non-zero trailing bits (2 bytes)'],
      ['Zm9v\n', 'newline'],
      [' Zm9v', 'leading space'],
      ['Zm-v', 'url alphabet'],
      ['Zm_v', 'url alphabet'],
      ['Z===', 'three padding chars'],
      ['====', 'only padding'],
      ['Zg==Zg==', 'padding in the middle'],
      ['Zm9vé...', 'non-ASCII'],
      ['A', 'single char'],
    ])('%j (%s) throws INVALID_BASE64', (s) => {
      expect(codeOf(() => base64Decode(s))).toBe('INVALID_BASE64');
    });

    it('rejects a non-string', () => {
      expect(codeOf(() => base64Decode(42 as unknown as string))).toBe('INVALID_BASE64');
    });
  });
});

describe('base64UrlEncode / base64UrlDecode', () => {
  describe('when round-tripping', () => {
    it.each([[[0xfb, 0xff]], [[0xfb, 0xff, 0xbf]], [[]], [[0]]])('%j', (bytes) => {
      const b = Uint8Array.from(bytes);
      const s = base64UrlEncode(b);
      expect(s).not.toMatch(/[+/=]/);
      expect(base64UrlDecode(s)).toEqual(b);
    });
  });

  describe('when the input is invalid', () => {
    it.each(['Zg==', '+/8', 'A', 'Zh'])('%j throws INVALID_BASE64', (s) => {
      expect(codeOf(() => base64UrlDecode(s))).toBe('INVALID_BASE64');
    });
  });
});

describe('hexEncode / hexDecode', () => {
  describe('when given valid hex', () => {
    it.each([
      ['', []],
      ['00ff10', [0, 255, 16]],
      ['DEADbeef', [0xde, 0xad, 0xbe, 0xef]],
    ])('%j decodes', (s, bytes) => {
      expect(hexDecode(s)).toEqual(Uint8Array.from(bytes));
      expect(hexEncode(Uint8Array.from(bytes))).toBe(s.toLowerCase());
    });
  });

  describe('when given invalid hex', () => {
    it.each(['0', 'abc', 'zz', '0x00', ' 00', '0g'])('%j throws INVALID_HEX', (s) => {
      expect(codeOf(() => hexDecode(s))).toBe('INVALID_HEX');
    });
  });
});

describe('utf8Encode / utf8Decode', () => {
  describe('when given valid text', () => {
    it.each(['', 'hello', '— em dash', '😀 astral', '\u0000'])('%j round-trips', (s) => {
      expect(utf8Decode(utf8Encode(s))).toBe(s);
    });
  });

  describe('when given invalid UTF-8', () => {
    it.each([[[0xff]], [[0xc3]], [[0xed, 0xa0, 0x80]], [[0xc0, 0xaf]]])(
      '%j throws INVALID_INPUT',
      (bytes) => {
        expect(codeOf(() => utf8Decode(Uint8Array.from(bytes)))).toBe('INVALID_INPUT');
      },
    );
  });
});

describe('bytesEqual', () => {
  it.each([
    [[], [], true],
    [[1, 2], [1, 2], true],
    [[1, 2], [1, 3], false],
    [[1, 2], [1, 2, 3], false],
  ])('%j vs %j -> %s', (a, b, eq) => {
    expect(bytesEqual(Uint8Array.from(a), Uint8Array.from(b))).toBe(eq);
  });
});

describe('concatBytes', () => {
  it('concatenates in order', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
    expect(concatBytes()).toEqual(new Uint8Array(0));
  });
});

describe('base64 on long inputs (the byte-table fast paths)', () => {
  const lengths = [0, 1, 2, 3, 47, 48, 49, 50, 63, 64, 65, 200, 1000, 3001];
  const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);

  it.each(lengths)('encodes and decodes %i bytes exactly as Node does', (n) => {
    const b = bytesOf(n);
    const std = Buffer.from(b).toString('base64');
    const url = Buffer.from(b).toString('base64url');
    expect(base64Encode(b)).toBe(std);
    expect(base64UrlEncode(b)).toBe(url);
    expect(base64Decode(std)).toEqual(b);
    expect(base64UrlDecode(url)).toEqual(b);
  });

  it.each([64, 65, 1000])('refuses, in a %i-byte encoding, any bad character where it is', (n) => {
    const good = base64Encode(bytesOf(n));
    for (const at of [0, 5, Math.floor(good.length / 2), good.length - 5]) {
      for (const bad of ['-', '_', '.', ' ', '\n', 'é', '\u{1F600}'.slice(0, 1), '\u0100']) {
        const s = good.slice(0, at) + bad + good.slice(at + 1);
        expect(
          codeOf(() => base64Decode(s)),
          `${JSON.stringify(bad)} at ${at}`,
        ).toBe('INVALID_BASE64');
      }
    }
    const url = base64UrlEncode(bytesOf(n));
    for (const bad of ['+', '/', '=']) {
      const s = `${bad}${url.slice(1)}`;
      expect(
        codeOf(() => base64UrlDecode(s)),
        `${bad}`,
      ).toBe('INVALID_BASE64');
    }
    // Non-zero trailing bits after long valid groups.
    const last = good.endsWith('==') ? good.length - 3 : good.endsWith('=') ? good.length - 2 : -1;
    if (last > 0) {
      const s = `${good.slice(0, last)}${good[last] === 'B' ? 'C' : 'B'}${good.slice(last + 1)}`;
      expect(codeOf(() => base64Decode(s))).toBe('INVALID_BASE64');
    }
  });

  it('gives an encoder result that outlives the next call', () => {
    const a = base64Encode(bytesOf(100));
    const b = base64Encode(bytesOf(10));
    expect(a).toBe(Buffer.from(bytesOf(100)).toString('base64'));
    expect(b).toBe(Buffer.from(bytesOf(10)).toString('base64'));
  });
});

describe('useNativeBase64', () => {
  const portable = (b: Uint8Array) => base64Encode(b);
  const node = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

  it('when a native encoder is installed, base64Encode answers with it, and undefined restores the portable one', () => {
    try {
      useNativeBase64(() => 'native');
      expect(base64Encode(Uint8Array.of(1, 2, 3))).toBe('native');
    } finally {
      useNativeBase64(undefined);
    }
    expect(base64Encode(Uint8Array.of(1, 2, 3))).toBe('AQID');
  });

  it("when node:buffer's encoder is installed (the Node entries do), every length and offset encodes as the portable one", () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255);
    const expected: string[] = [];
    for (let n = 0; n < 70; n++) expected.push(portable(bytes.subarray(n % 3, (n % 3) + n)));
    try {
      useNativeBase64(node);
      for (let n = 0; n < 70; n++) expect(base64Encode(bytes.subarray(n % 3, (n % 3) + n))).toBe(expected[n]);
    } finally {
      useNativeBase64(undefined);
    }
  });
});
