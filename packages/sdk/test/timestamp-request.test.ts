import { describe, expect, it } from 'vitest';
import { hexDecode, hexEncode } from '../src/encoding.js';
import { parseTimeStampReq } from '../src/x509/timestamp-request.js';

/** DER TLV from hex parts (test-side, short lengths only). */
const tlv = (tag: number, ...hex: string[]) => {
  const body = hex.join('');
  return `${tag.toString(16).padStart(2, '0')}${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
};
const SHA256 = tlv(0x30, tlv(0x06, '608648016503040201'));
const SHA256_NULL = tlv(0x30, tlv(0x06, '608648016503040201'), '0500');
const imprint = (alg = SHA256) => tlv(0x30, alg, tlv(0x04, '11'.repeat(32)));
const req = (...fields: string[]) => hexDecode(tlv(0x30, '020101', ...fields));
const POLICY = tlv(0x06, '2b0601040183bf3002');

describe('parseTimeStampReq', () => {
  describe('when the request is DER', () => {
    it('reads every field', () => {
      const r = parseTimeStampReq(
        req(imprint(SHA256_NULL), POLICY, tlv(0x02, '00ff01'), '0101ff', tlv(0xa0)),
      );
      expect(r).toMatchObject({
        version: 1,
        hashAlgorithm: '2.16.840.1.101.3.4.2.1',
        reqPolicy: '1.3.6.1.4.1.57264.2',
        certReq: true,
        hasExtensions: true,
      });
      expect(hexEncode(r.hashParameters!)).toBe('0500');
      expect(hexEncode(r.nonce!)).toBe('00ff01');
      expect(r.hashedMessage).toHaveLength(32);
    });

    it('reads the minimal form (no optional fields)', () => {
      const r = parseTimeStampReq(req(imprint()));
      expect(r).toMatchObject({
        certReq: false,
        hasExtensions: false,
        nonce: undefined,
        reqPolicy: undefined,
      });
      expect(r.hashParameters).toBeUndefined();
    });
  });

  describe('when the request is not DER or not a TimeStampReq', () => {
    it.each([
      ['an encoded DEFAULT certReq FALSE', req(imprint(), '010100')],
      ['a BOOLEAN that is neither 00 nor FF', req(imprint(), '010101')],
      ['a non-minimal nonce', req(imprint(), tlv(0x02, '0001'))],
      ['a non-minimal negative nonce', req(imprint(), tlv(0x02, 'ff80'))],
      ['fields out of order', req(imprint(), tlv(0x02, '01'), POLICY)],
      ['a repeated field', req(imprint(), tlv(0x02, '01'), tlv(0x02, '02'))],
      ['a trailing byte', Uint8Array.of(...req(imprint()), 0)],
      ['a BER long-form length', hexDecode(`3081${hexEncode(req(imprint())).slice(2)}`)],
      ['no messageImprint', req()],
      ['an imprint without a digest', req(tlv(0x30, SHA256))],
      ['an empty body', new Uint8Array(0)],
    ])('refuses %s with INVALID_DER', (_name, der) => {
      expect(() => parseTimeStampReq(der)).toThrow(expect.objectContaining({ code: 'INVALID_DER' }));
    });
  });
});
