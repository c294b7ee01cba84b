/**
 * Native signature checks (crypto/verify.ts with crypto/native.ts): P-256 and Ed25519 run
 * synchronously in OpenSSL; the slow curves (P-384, P-521) go to node:crypto's callback form (the
 * thread pool). Either way the answer is OpenSSL's, a bad signature is false, and a host whose
 * verify ignores callbacks still gets an answer.
 */
import * as nodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePublicKey, useNativeCrypto, verifySignature } from '../src/crypto/index.js';

const calls: { callback: boolean }[] = [];
const spying = {
  ...nodeCrypto,
  verify: (...args: unknown[]) => {
    calls.push({ callback: typeof args[4] === 'function' });
    return (nodeCrypto.verify as (...a: unknown[]) => unknown)(...args);
  },
};
// A host with only the synchronous form: it ignores a callback and returns the answer.
const syncOnly = {
  ...nodeCrypto,
  verify: (alg: string, data: Uint8Array, key: nodeCrypto.KeyObject, sig: Uint8Array) =>
    nodeCrypto.verify(alg, data, key, sig),
};

afterEach(() => {
  useNativeCrypto(undefined);
  calls.length = 0;
});

const message = new TextEncoder().encode('signed message');
function signed(curve: 'P-256' | 'P-384' | 'P-521') {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: curve });
  const hash = curve === 'P-256' ? 'sha256' : curve === 'P-384' ? 'sha384' : 'sha512';
  const signature = new Uint8Array(nodeCrypto.sign(hash, message, privateKey));
  const key = parsePublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
  const tampered = message.slice();
  tampered[0]! ^= 1;
  return { key, signature, tampered };
}

describe('native ECDSA verification', () => {
  describe.each(['P-384', 'P-521'] as const)('on %s', (curve) => {
    const { key, signature, tampered } = signed(curve);

    it('runs on the thread pool (callback form) and answers true, then false for a tampered message', async () => {
      useNativeCrypto(spying as never);
      expect(await verifySignature(key, message, signature)).toBe(true);
      expect(await verifySignature(key, tampered, signature)).toBe(false);
      expect(calls).toEqual([{ callback: true }, { callback: true }]);
    });

    it('answers the same with a host that only verifies synchronously', async () => {
      useNativeCrypto(syncOnly as never);
      expect(await verifySignature(key, message, signature)).toBe(true);
      expect(await verifySignature(key, tampered, signature)).toBe(false);
    });
  });

  describe('on P-256', () => {
    it('stays synchronous', async () => {
      const { key, signature, tampered } = signed('P-256');
      useNativeCrypto(spying as never);
      expect(await verifySignature(key, message, signature)).toBe(true);
      expect(await verifySignature(key, tampered, signature)).toBe(false);
      expect(calls).toEqual([{ callback: false }, { callback: false }]);
    });

    it('imports the key (as JWK) natively for an uncompressed and a compressed point alike', async () => {
      const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const signature = new Uint8Array(nodeCrypto.sign('sha256', message, privateKey));
      const jwk = publicKey.export({ format: 'jwk' });
      const x = Buffer.from(jwk.x as string, 'base64url');
      const y = Buffer.from(jwk.y as string, 'base64url');
      const spkiPrefix = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).subarray(0, 26);
      // SPKI with the compressed point: SEQUENCE { algorithm, BIT STRING 0x00 || 0x02/0x03 || x }.
      const alg = spkiPrefix.subarray(2, 23);
      const compressed = new Uint8Array([
        0x30,
        2 + alg.length + 2 + 34 - 2,
        ...alg,
        0x03,
        34,
        0,
        2 + ((y[31] as number) & 1),
        ...x,
      ]);
      compressed[1] = compressed.length - 2;
      for (const key of [
        parsePublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))),
        parsePublicKey(compressed),
      ]) {
        useNativeCrypto(spying as never);
        calls.length = 0;
        expect(await verifySignature(key, message, signature)).toBe(true);
        expect(await verifySignature(key, message.subarray(1), signature)).toBe(false);
        expect(calls).toEqual([{ callback: false }, { callback: false }]);
      }
    });
  });

  it('imports by SPKI from a host whose createPublicKey knows no JWK', async () => {
    const formats: string[] = [];
    const derOnly = {
      ...spying,
      createPublicKey: (k: { format: string }) => {
        formats.push(k.format);
        if (k.format !== 'der') throw new Error('unsupported format');
        return nodeCrypto.createPublicKey(k as never);
      },
    };
    const { key, signature, tampered } = signed('P-256');
    useNativeCrypto(derOnly as never);
    expect(await verifySignature(key, message, signature)).toBe(true);
    expect(await verifySignature(key, tampered, signature)).toBe(false);
    expect(formats).toEqual(['jwk', 'der']);
    expect(calls).toEqual([{ callback: false }, { callback: false }]);
  });

  describe('on Ed25519', () => {
    it('verifies natively with the key imported as JWK', async () => {
      const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ed25519');
      const signature = new Uint8Array(nodeCrypto.sign(null, message, privateKey));
      const key = parsePublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
      useNativeCrypto(spying as never);
      expect(await verifySignature(key, message, signature)).toBe(true);
      expect(await verifySignature(key, message.subarray(1), signature)).toBe(false);
      expect(calls).toEqual([{ callback: false }, { callback: false }]);
    });
  });
});
