import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonBytes } from '../src/crypto/index.js';
import { hexEncode } from '../src/encoding.js';
import { codeOf } from './helpers/codes.js';

function fromBits(hex: string): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(`0x${hex}`));
  return v.getFloat64(0);
}

describe('canonicalJson', () => {
  describe('when serializing the RFC 8785 Appendix B numbers', () => {
    it.each([
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ])('IEEE-754 %s -> %s', (bits, want) => {
      expect(canonicalJson(fromBits(bits))).toBe(want);
    });

    it.each([
      ['7fffffffffffffff', 'NaN'],
      ['7ff0000000000000', 'Infinity'],
      ['fff0000000000000', '-Infinity'],
    ])('IEEE-754 %s (%s) throws INVALID_INPUT', (bits) => {
      expect(codeOf(() => canonicalJson(fromBits(bits)))).toBe('INVALID_INPUT');
    });
  });

  describe('when sorting object members (RFC 8785 §3.2.3)', () => {
    it('orders names by UTF-16 code units, not code points or UTF-8', () => {
      const input = {
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '\ufb33': 'Hebrew Letter Dalet With Dagesh',
        '1': 'One',
        '\ud83d\ude00': 'Emoji: Grinning Face',
        '\u0080': 'Control',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      };
      const out = canonicalJson(input);
      // (Object.keys would list the integer-like "1" first, so check the text itself.)
      expect(out).toBe(
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    it('sorts nested objects but keeps array order', () => {
      expect(canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { y: null, x: true } })).toBe(
        '{"a":{"x":true,"y":null},"b":[{"a":2,"z":1},3]}',
      );
    });
  });

  describe('when given the RFC 8785 §3.2.4 example', () => {
    it('produces the exact canonical text and UTF-8 bytes', () => {
      const input = JSON.parse(
        '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
          '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
      );
      const want =
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
      expect(canonicalJson(input)).toBe(want);
      expect(hexEncode(canonicalJsonBytes(input))).toBe(hexEncode(new TextEncoder().encode(want)));
      // The RFC's hex dump starts 7b 22 6c 69 74 65 72 61 6c 73 and has € as e2 82 ac.
      expect(hexEncode(canonicalJsonBytes(input)).startsWith('7b226c69746572616c73')).toBe(true);
      expect(hexEncode(canonicalJsonBytes(input))).toContain('e282ac');
    });
  });

  describe('when escaping strings (RFC 8785 §3.2.2.2)', () => {
    it.each([
      ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
      ['\b\t\n\f\r', '"\\b\\t\\n\\f\\r"'],
      ['"\\', '"\\"\\\\"'],
      ['/', '"/"'],
      ['\u007f\u2028\u2029', '"\u007f\u2028\u2029"'],
      ['😀', '"😀"'],
    ])('%j -> %s', (s, want) => {
      expect(canonicalJson(s)).toBe(want);
    });
  });

  describe('when given literals and edge values', () => {
    it.each([
      [null, 'null'],
      [true, 'true'],
      [false, 'false'],
      [[], '[]'],
      [{}, '{}'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [123, '123'],
      [Object.assign(Object.create(null), { b: 1, a: 2 }), '{"a":2,"b":1}'],
      [{ a: undefined, b: 1 }, '{"b":1}'],
    ])('%j -> %s', (v, want) => {
      expect(canonicalJson(v)).toBe(want);
    });
  });

  describe('when the value is outside the I-JSON model', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    it.each([
      ['undefined', undefined],
      ['NaN in an array', [Number.NaN]],
      ['undefined in an array', [undefined]],
      ['holes in an array', new Array(2)],
      ['bigint', 1n],
      ['function', () => 1],
      ['symbol', Symbol('x')],
      ['Date', new Date(0)],
      ['Uint8Array', new Uint8Array(1)],
      ['Map', new Map()],
      ['class instance', new (class X {})()],
      ['lone high surrogate', 'a\ud800'],
      ['lone low surrogate', '\udc00b'],
      ['lone surrogate in a key', { '\ud800': 1 }],
      ['cycle', cyclic],
      ['600 levels of nesting', deep],
    ])('%s throws INVALID_INPUT', (_, v) => {
      expect(codeOf(() => canonicalJson(v))).toBe('INVALID_INPUT');
    });
  });
});
