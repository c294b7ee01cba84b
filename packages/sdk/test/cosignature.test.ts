import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../src/crypto/keys.js';
import { base64Decode, utf8Decode } from '../src/encoding.js';
import {
  cosignatureKeyHash,
  cosignatureMessage,
  cosignatureSigner,
  cosignatureTimestamp,
  formatVerifierKey,
  noteVerifierFromPublicKey,
  parseNote,
  parseVerifierKey,
  signCosignature,
  signNote,
  verifyCosignature,
  verifyNote,
} from '../src/note/index.js';
import { asyncCodeOf } from './helpers/codes.js';

const BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SEED = new Uint8Array(32).fill(0x2a);
const NAME = 'witness.example.com/w1';

describe('cosignatureMessage', () => {
  describe('when given the tlog-cosignature example', () => {
    it('prefixes the header and time lines', () => {
      expect(utf8Decode(cosignatureMessage(BODY, 1679315147))).toBe(
        `cosignature/v1\ntime 1679315147\n${BODY}`,
      );
    });
  });

  describe('when the body or timestamp is invalid', () => {
    it.each([
      ['a\nb\n', 1, 'two lines'],
      [BODY.slice(0, -1), 1, 'no final newline'],
      [BODY, -1, 'negative timestamp'],
      [BODY, 1.5, 'fractional timestamp'],
      [BODY, 2 ** 53, 'unsafe timestamp'],
    ])('%j at %s (%s) throws COSIGNATURE_INVALID', async (body, ts) => {
      expect(await asyncCodeOf(() => cosignatureMessage(body, ts))).toBe('COSIGNATURE_INVALID');
    });
  });
});

describe('signCosignature / verifyCosignature', () => {
  describe('when round-tripping', () => {
    it('verifies and returns the timestamp', async () => {
      const signer = cosignatureSigner(NAME, SEED);
      const sig = await signCosignature(BODY, SEED, 1679315147);
      expect(sig).toHaveLength(72);
      expect(cosignatureTimestamp(sig)).toBe(1679315147);
      expect(await verifyCosignature(BODY, sig, signer.publicKey)).toEqual({ timestamp: 1679315147 });
    });
  });

  describe('when anything is tampered with', () => {
    const cases: [string, (sig: Uint8Array, pub: Uint8Array) => [string, Uint8Array, Uint8Array]][] = [
      ['the body', (s, p) => [BODY.replace('20852163', '20852164'), s, p]],
      ['the timestamp', (s, p) => [BODY, flip(s, 7), p]],
      ['the signature', (s, p) => [BODY, flip(s, 40), p]],
      ['the key', (s) => [BODY, s, cosignatureSigner(NAME, new Uint8Array(32).fill(1)).publicKey]],
      ['the length', (s, p) => [BODY, s.subarray(0, 71), p]],
      ['the top timestamp bit', (s, p) => [BODY, flip(s, 0, 0x80), p]],
    ];
    it.each(cases)('%s -> COSIGNATURE_INVALID', async (_, mutate) => {
      const signer = cosignatureSigner(NAME, SEED);
      const sig = await signCosignature(BODY, SEED, 1679315147);
      const [body, s, pub] = mutate(sig, signer.publicKey);
      expect(await asyncCodeOf(() => verifyCosignature(body, s, pub))).toBe('COSIGNATURE_INVALID');
    });

    it('rejects a non-Ed25519 or malformed key', async () => {
      const sig = await signCosignature(BODY, SEED, 1);
      expect(await asyncCodeOf(() => verifyCosignature(BODY, sig, new Uint8Array(31)))).toBe(
        'COSIGNATURE_INVALID',
      );
    });

    it('rejects a bad private key', async () => {
      expect(await asyncCodeOf(() => signCosignature(BODY, new Uint8Array(16), 1))).toBe('KEY_INVALID');
    });
  });
});

function flip(b: Uint8Array, i: number, mask = 1): Uint8Array {
  const c = b.slice();
  c[i] = (c[i] as number) ^ mask;
  return c;
}

describe('cosignatures in notes (type 0x04)', () => {
  describe('when a witness cosigns a log-signed checkpoint', () => {
    it('verifies with the witness vkey and carries the timestamp', async () => {
      const witness = cosignatureSigner(NAME, SEED, () => 1700000000);
      const vkey = formatVerifierKey(NAME, 4, witness.publicKey);
      const v = parseVerifierKey(vkey);
      expect(v.keyHash).toBe(cosignatureKeyHash(NAME, witness.publicKey));
      expect(v.keyHash).toBe(witness.keyHash);
      const note = await signNote(BODY, [witness]);
      const out = await verifyNote(note, [v]);
      expect(out.verified).toHaveLength(1);
      expect(cosignatureTimestamp(out.verified[0]?.signature as Uint8Array)).toBe(1700000000);
      // The same key as a plain Ed25519 (type 0x01) verifier has another key ID: the line is ignored.
      const plain = noteVerifierFromPublicKey(NAME, parsePublicKey(spki(witness.publicKey)));
      expect(plain.keyHash).not.toBe(v.keyHash);
      expect(await asyncCodeOf(() => verifyNote(note, [plain]))).toBe('NOTE_NO_VERIFIED_SIGNATURE');
    });

    it('rejects a tampered cosignature line with NOTE_INVALID_SIGNATURE', async () => {
      const witness = cosignatureSigner(NAME, SEED, () => 1700000000);
      const note = await signNote(BODY, [witness]);
      const parsed = parseNote(note);
      const sig = parsed.signatures[0]?.signature as Uint8Array;
      const tampered = note.replace(/ (\S+)\n$/, (_m, b64: string) => {
        const raw = base64Decode(b64);
        raw[4 + 7] = (raw[4 + 7] as number) ^ 1;
        return ` ${btoa(String.fromCharCode(...raw))}\n`;
      });
      expect(sig).toHaveLength(72);
      const v = noteVerifierFromPublicKey(NAME, parsePublicKey(spki(witness.publicKey)), {
        cosignature: true,
      });
      expect(await asyncCodeOf(() => verifyNote(tampered, [v]))).toBe('NOTE_INVALID_SIGNATURE');
    });

    it('verifies the C2SP tlog-cosignature example line shape (72-byte signature after the key ID)', () => {
      const example =
        `${BODY}\n` +
        '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
        '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
      const n = parseNote(example);
      const cosig = n.signatures[1]?.signature as Uint8Array;
      expect(cosig).toHaveLength(72);
      expect(cosignatureTimestamp(cosig)).toBe(1679315147);
    });
  });
});

function spki(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(44);
  out.set([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00], 0);
  out.set(raw, 12);
  return out;
}
