import * as nodeCrypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { decodeOid, encodeOid, encodeTlv, encodeUnsignedInteger } from '../src/crypto/der.js';
import {
  CURVE_BYTES,
  digest,
  type EcdsaPublicKey,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  type PublicKey,
  parsePublicKey,
  pemDecode,
  pemEncode,
  publicKeyToPem,
  sha256,
  sha384,
  sha512,
  useNativeCrypto,
  verifySignature,
  verifySignatureOverDigest,
} from '../src/crypto/index.js';
import { base64Decode, concatBytes, hexDecode, hexEncode } from '../src/encoding.js';
import { asyncCodeOf, codeOf, onlyCoded } from './helpers/codes.js';

// RSA 3072/4096 fixtures generated once with OpenSSL (keygen at these sizes is too slow to repeat
// on every run of a shared machine). Public keys and signatures only.
const FIXTURE_MESSAGE = 'scriba fixture message\n';
const RSA3072_PEM =
  '-----BEGIN PUBLIC KEY-----\nMIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEA0dDBLcZoAzFnwHBGDYDL\nKIEk4wAc8UWfaKRz7jTn9R8xZMEg2kco2V8o9kvMk2s2hXQG//G13VPv5ARGvA7/\nIGKKFqOXYwIaaRgIBmK8rD6wHVWesNThyl7NuAvDwHt8sZDEFD26LoGWm44oMExo\nVMehMjWKSdtAAqyvG3KgdptIxtOha9xzyQEy1N+r6DinWmoDUDOZNCnH7Apqdv77\nKZ8dFMeUkvJXu5pyDNMq7F9wSJELWON3899ljGaLL3b8GzLkbv9HqXovY/poFX6y\nbt6jCXl7iCjYRokDnM1qhjLHMuoacrbqMkiZJdxwUGeq3AN72KR6I0Pqe4aM6pul\nyKoT58SjEJu0rdxW/3qRm16XpoHbVg5KuMximBNRCXPtyMhAW/mT1d2+RxYoU/Tr\n7Q+jtvr3I6ixZdedswdvnyE6BVu/wv+hd50I3J8W3LHxUHTAW+FO524cD5AYgxBm\n4HrOx2xEQHdyCc6zOymacfMsvelTt0pHzdDjAqIk4QgDAgMBAAE=\n-----END PUBLIC KEY-----\n';
const RSA4096_PEM =
  '-----BEGIN PUBLIC KEY-----\nMIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEApOB6Iek3ZYqBTTaUT/uC\nfgZHoVZkgK58hvI1yP50WHfe7T9xgoiNKThAKTSkhypyDRLovIXaqZmQmoGf+81h\ns1bbSO/hvblFxc77BiHO9yfNfClbaCLRxAIEv44U9zaIk9Ql9WCxVp3bbWKH1N2z\nVNdQNdWaxGn8T5YcbB+WiBOs+w4RB7HVDwbhFPvAklLWB4dje/bO9gdnTGCcSeJH\nHLmdFYhJlds5UdryRDXlexamKRq+X/iPG4Z0xpTxJgmd8UEETICBEQl423PNmnvq\nZOhLl2zWPv/+TGmf53JuYp7ew569sMeRn9QhZ7zXMkjhqGJ69W3SPGcJULhKIGfH\nxhmQIdbV72P8e06BLu71gdIBL9yQ5xQN5itnxabM5pa6gudsNaS6k++v4qPUd3aU\nUxjny/7BBP+Jk1icXHMH3PSwEdPzZXOUlGpxXnSdhBaw8k810I5Qm0Ajh48BAiTx\n2AMl5lfxRscHo7X9CEiIv0gP4aVT/3eqmAo0Kt2zyDuJZ4AUvDMENyerNfncTat+\nW8y9M+cX15HeigEIKk7k/xDZdeYw3eiZIurZ2WTDNi8teHqL3E13XnH57FjAXjzN\nOTism+4o1Ci3TMgAEWJncoEpTmqeJJZHroeSSajj2NuQFWo0Olr+Dq4QCXAuGQmQ\nsvAGJRYpwQjiSnUDlWbrfisCAwEAAQ==\n-----END PUBLIC KEY-----\n';
const RSA4096_PKCS1_SHA256 =
  'oG6HUXKh6FShVjBvfMmGFypGpKHZW3Kd0w4jlFS8DrXsO/JvE7XF+YTCXoMDerEb0AjVJplppJZf/HylFJ/sL7RWg46q6T3t4VtPcxbXkPc1CwzUCnYuJDo2k/nhtIFmrZcdsKyvu0817RhTilZdjPajxlwzsGOoWxf9WAZy90sh0TsKmB3/XMYRVuASpmvywnn6Iifl6hPZDZADhZFtLWNcXjq3yS9SVizcKUMsTZEwh590o6WhUbIn8YLnYE+k5PC1RtC2+7qon5TX7eKwNz32LfFUUQ7BIS6dDler80ZucaQGciDCNE+jnNd3ciiZtfsU4wmbn0dH/Niq537YrB+Dvnf82BVACO2yZbF7xvDV4FFy2kJqoXFps/4dxQFZcY7AJxOvkHPyf1lVtiogLmmrPcdAz/NgwLCXmUH6ax+X10aZurJ8CZuBrHob7fSDyYL0HkLwiSHhjKFy2y2jQDYwhqWGYVJ40ebGTQN75a+V54DtSZ2y+3xJD2wQIedUHuAO82ZybLhsSkUWRfLCy2JlhqIw2zbA72iDvJK2u1M5OVfYNBHR9iLBbI7O50LmKjf9Xf0a9vD8jzdHHNG3miAssaLezqTYaa1nXA8BcCVHtA2C1sSXk8qFrMZumSL4azUa+pTDS8pWryjNmuKp7G9rL+KrvwN2WSZzH6q13zg=';
const RSA4096_PSS_SHA512_SALT64 =
  'WPcVO75f8AqX1zdy8YIErXtHBGKrMZ6PbETNxl1lyh4sSLuiLj5DU7Uxi2e0vfU0RQ1naXf1IELjUNvoZ3Ss7yrR+XOn5npjD9vUmWvon4Pf0qZsvu7OcSMLmbB9GvrXnZQRTmQ40GPhzOuR5PEf+JPi9jWXac8L0nCmAPcudYLgYm3wuO6+c9RB7VLqmVU9xUn+QB53iGb4dOp5Jmxp12ROLgoqEOpTF0ZNMUFovo7uI4RaSVxtls0BaMehhSW8VLkOxjDUp5t9wrrdD+5LG1/iHwFVzjxaAZWInGNmLhOJTcYGNbABsYZEYUgh3L3e2D3FgmsckB++S2pLakM2UknbnfQY7qegNSvxbmmrIgIwkAxBDAYP+ngeMFTA442KQQl1sdA7A8Tj3WCFAIk47A6Yys0AUB6dTQpfhekcwN5Eify9hBvZ9enREr+E4O0x9/V7OifP3sbr8cmOdV0OC12GHmc3UskXmfN+JGOJmxaeRVrORS/oMahJtV6kQL68S7+f1E3QGGUJPyDPDM5RFYcHRTwMbEwfg9HH6tWtSZPgMCq/LeWu5CrLdrMGW30fCM7fThx1sPStpYwfn0DRKLH9ahQiX3Z9/H1jevzOhUans/cP0TfKWTwe9UpH90p6KWFCIeM4+8fY0cziMak/5IIyw4HQ54zdBwvlXwoU8PI=';
const RSA3072_PKCS1_SHA384 =
  'IoiMZytS+JtLJyW3hbxkU+9nyZ/lhFNAIpYqRbMyY/+HyOXfQT49lCgOG9mYygVZeFnu6i7ZPmKR4plHKVraAuaQ9zD22ieslSPPCZ5WGHZOl2ZDhh3g0L7hwwGHC3H2ZiE2DS7k9wzkjIbDFETHuSzjis1iNhNDF2IRPxX5W5hyJfE1BcjVcUKEbrNYUBEf/mnQE2RsQoRUMmDOUYfvPkmt6/Zag8jxNtwAtjj/4nU/15M/68nnRGZ3aTUxRYjMSKHF+ZxAClqVknv/fRylBk2PHE4uCyweB6ia0CTLGWz+5gCvFrx1Zz0zPo2L6cbDlW4/QcYn0YzISFq8tnG15AwTtnA0flm+aNOY+oJ/qxaqkBkT7NBvFYGzkppDd0qYYcNF1y8sUFwyVlIZkzbpgUrHfSyDP0SPyCBYtn0Vq/P5FryadTTJfVbpgdgjXxQyae6ZIlq2Kmi0hRfYcYrcZ6o8ttObLMjsHzYQnnkd2WA7O11oOcLle7xxMctY1GtB';
const RSA3072_PSS_SHA256_SALT32 =
  'ydM3JJq5ZfGLIcCwvpXWDYVWLBv4r6NgR/DA2H+GpzUOWXldt1micWi+RygrrDiACDZSZDBOGTaeAMNByCJNdbpWUJZ5FYeTud/SSEVfTh6Q9jS8GkVewbyPFjScnlBHMC6NN9VGMuDO5kGa0BIAcOZ/MS3UnHSHd/VBtXAc+Tg4hsRw/EaD4jrSGGtaiatNQ8fRDUewWk6VCmOUziUkhuPcTSuZPMhm5I2kA0B4fTWRgM40x8fxs7GapP+e+X3jLsyiDxpjy9calo9psrj+snbMj20SrG9mgMn1uznJneJNaUEbd7/iRitZLlnLxDZxPj8+k9PR9e6pb5sLsCnGdMEtt3Ztki21qyupHRpChN8RuchLdGYQXtT4c/DJ0XfWxM5iuQmAfkF8ubrn8oFeHC8aMfcS3Vih56YFAsquP5hnTSqJA/d1Z/V2eEz4/WPlScs2UDaCYtiZRvZOxgFvf+QNYU3+ORrQYZPihRz4hDTEh+hbKr6dY12l5sxFbrQJ';

type Backend = 'webcrypto' | 'native' | 'fallback';
const BACKENDS: Backend[] = ['webcrypto', 'native', 'fallback'];

/** Calls made through the injected native backend (to prove it was really used). */
let nativeCalls = 0;
const countingNative = {
  createPublicKey: nodeCrypto.createPublicKey,
  verify: (...args: Parameters<typeof nodeCrypto.verify>) => {
    nativeCalls++;
    return nodeCrypto.verify(...args);
  },
};

/** Runs `fn` with the given verification backend selected. */
async function withBackend<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  const before = nativeCalls;
  if (backend === 'native') useNativeCrypto(countingNative as never);
  if (backend === 'fallback') vi.stubGlobal('crypto', undefined);
  try {
    if (backend === 'fallback') expect(globalThis.crypto).toBeUndefined();
    return await fn();
  } finally {
    useNativeCrypto(undefined);
    vi.unstubAllGlobals();
    expect(nativeCalls > before).toBe(backend === 'native');
  }
}

const enc = new TextEncoder();
const MSG = enc.encode('the quick brown fox\n');

type Gen = {
  label: string;
  type: string;
  opts: object;
  kind: PublicKey['kind'];
  curve?: string;
  hash: string | null;
  n?: bigint;
};
const GENERATED: Gen[] = [
  {
    label: 'ECDSA P-256',
    type: 'ec',
    opts: { namedCurve: 'P-256' },
    kind: 'ecdsa',
    curve: 'P-256',
    hash: 'sha256',
    n: p256.Point.CURVE().n,
  },
  {
    label: 'ECDSA P-384',
    type: 'ec',
    opts: { namedCurve: 'P-384' },
    kind: 'ecdsa',
    curve: 'P-384',
    hash: 'sha384',
    n: p384.Point.CURVE().n,
  },
  {
    label: 'ECDSA P-521',
    type: 'ec',
    opts: { namedCurve: 'P-521' },
    kind: 'ecdsa',
    curve: 'P-521',
    hash: 'sha512',
    n: p521.Point.CURVE().n,
  },
  { label: 'Ed25519', type: 'ed25519', opts: {}, kind: 'ed25519', hash: null },
  { label: 'RSA 2048', type: 'rsa', opts: { modulusLength: 2048 }, kind: 'rsa', hash: 'sha256' },
];

type KeyMaterial = Gen & { priv: nodeCrypto.KeyObject; spkiDer: Uint8Array; pem: string };
const KEYS = new Map<string, KeyMaterial>();
function keyFor(label: string): KeyMaterial {
  let k = KEYS.get(label);
  if (!k) {
    const g = GENERATED.find((x) => x.label === label) as Gen;
    const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync(
      g.type as 'ec',
      g.opts as { namedCurve: string },
    );
    k = {
      ...g,
      priv: privateKey,
      spkiDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      pem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
    KEYS.set(label, k);
  }
  return k;
}

function signWith(
  k: KeyMaterial,
  data: Uint8Array,
  opts: { hash?: string; pss?: boolean; salt?: number; raw?: boolean } = {},
): Uint8Array {
  const key = opts.pss
    ? { key: k.priv, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: opts.salt ?? 32 }
    : opts.raw
      ? { key: k.priv, dsaEncoding: 'ieee-p1363' as const }
      : k.priv;
  return new Uint8Array(nodeCrypto.sign(k.hash === null ? null : (opts.hash ?? k.hash), data, key));
}

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i] = (c[i] as number) ^ 1;
  return c;
}

/** The high-S twin (r, n - s) of a DER ECDSA signature, as DER. */
function highS(der: Uint8Array, n: bigint, size: number): Uint8Array {
  const raw = ecdsaDerToRaw(der, size) as Uint8Array;
  const s = BigInt(`0x${hexEncode(raw.subarray(size))}`);
  const s2 = n - s;
  const out = raw.slice();
  out.set(hexDecode(s2.toString(16).padStart(2 * size, '0')), size);
  return ecdsaRawToDer(out);
}

describe('parsePublicKey', () => {
  describe('when given generated keys of every supported type', () => {
    it.each(GENERATED.map((g) => [g.label]))('%s parses from PEM and DER alike', (label) => {
      const k = keyFor(label);
      const fromPem = parsePublicKey(k.pem);
      const fromDer = parsePublicKey(k.spkiDer);
      expect(fromPem).toEqual(fromDer);
      expect(fromPem.kind).toBe(k.kind);
      expect(fromPem.spki).toEqual(k.spkiDer);
      if (fromPem.kind === 'ecdsa') expect(fromPem.curve).toBe(k.curve);
      if (fromPem.kind === 'rsa') expect(fromPem.bits).toBe(2048);
      if (fromPem.kind === 'ed25519') expect(fromPem.raw).toHaveLength(32);
      expect(publicKeyToPem(fromPem)).toBe(k.pem);
    });
  });

  describe('when given RSA 3072 and 4096 keys', () => {
    it.each([
      [RSA3072_PEM, 3072],
      [RSA4096_PEM, 4096],
    ])('parses %#', (pem, bits) => {
      const k = parsePublicKey(pem);
      expect(k.kind === 'rsa' && k.bits).toBe(bits);
      expect(k.kind === 'rsa' && k.e).toBe(65537n);
    });
  });

  describe('when given a compressed P-256 point', () => {
    it('parses it and verifies with it on every backend', async () => {
      const k = keyFor('ECDSA P-256');
      const full = parsePublicKey(k.spkiDer) as EcdsaPublicKey;
      const compressed = p256.Point.fromBytes(full.point).toBytes(true);
      const spki = concatBytes(
        k.spkiDer.subarray(0, 2),
        k.spkiDer.subarray(2, 23),
        Uint8Array.of(0x03, 0x22, 0x00),
        compressed,
      );
      spki[1] = spki.length - 2;
      const key = parsePublicKey(spki) as EcdsaPublicKey;
      expect(key.point).toEqual(compressed);
      const sig = signWith(k, MSG);
      for (const b of BACKENDS) {
        expect(await withBackend(b, () => verifySignature(parsePublicKey(spki), MSG, sig))).toBe(true);
      }
    });
  });

  describe('when the key type is not supported', () => {
    it.each([
      ['secp256k1', () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey],
      ['Ed448', () => nodeCrypto.generateKeyPairSync('ed448').publicKey],
      ['X25519', () => nodeCrypto.generateKeyPairSync('x25519').publicKey],
      ['RSA 1024', () => nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey],
    ])('%s throws KEY_UNSUPPORTED', (_, gen) => {
      const der = new Uint8Array(gen().export({ type: 'spki', format: 'der' }));
      expect(codeOf(() => parsePublicKey(der))).toBe('KEY_UNSUPPORTED');
    });

    it('RSA above 4096 bits throws KEY_UNSUPPORTED', () => {
      const n = concatBytes(Uint8Array.of(0x00, 0xc0), new Uint8Array(1024).fill(0xff));
      expect(codeOf(() => parsePublicKey(rsaSpki(n, Uint8Array.of(1, 0, 1))))).toBe('KEY_UNSUPPORTED');
    });
  });

  describe('when the key material is invalid', () => {
    it('a P-256 point off the curve throws KEY_INVALID', () => {
      const der = keyFor('ECDSA P-256').spkiDer.slice();
      der[der.length - 1] = (der[der.length - 1] as number) ^ 1;
      expect(codeOf(() => parsePublicKey(der))).toBe('KEY_INVALID');
    });

    it('an Ed25519 key that is not a point throws KEY_INVALID', () => {
      // y = 2 has no x on edwards25519.
      const raw = new Uint8Array(32);
      raw[0] = 2;
      const der = keyFor('Ed25519').spkiDer.slice();
      der.set(raw, 12);
      expect(codeOf(() => parsePublicKey(der))).toBe('KEY_INVALID');
    });

    it.each([
      [
        'even modulus',
        concatBytes(Uint8Array.of(0x00, 0xc0), new Uint8Array(255).fill(0xfe)),
        Uint8Array.of(1, 0, 1),
      ],
      [
        'exponent 1',
        concatBytes(Uint8Array.of(0x00, 0xc0), new Uint8Array(255).fill(0xff)),
        Uint8Array.of(1),
      ],
      [
        'even exponent',
        concatBytes(Uint8Array.of(0x00, 0xc0), new Uint8Array(255).fill(0xff)),
        Uint8Array.of(1, 0, 0),
      ],
    ])('RSA with %s throws KEY_INVALID', (_, n, e) => {
      expect(codeOf(() => parsePublicKey(rsaSpki(n, e)))).toBe('KEY_INVALID');
    });
  });

  describe('when the DER is malformed', () => {
    const good = () => keyFor('ECDSA P-256').spkiDer;
    it.each([
      ['empty', () => new Uint8Array(0)],
      ['truncated', () => good().subarray(0, 40)],
      ['trailing byte', () => concatBytes(good(), Uint8Array.of(0))],
      ['not a SEQUENCE', () => Uint8Array.of(0x04, 0x00)],
      ['indefinite length', () => Uint8Array.of(0x30, 0x80, 0x00, 0x00)],
      ['non-minimal length', () => concatBytes(Uint8Array.of(0x30, 0x81, 0x59), good().subarray(2))],
      ['huge length', () => Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)],
      [
        'BIT STRING with unused bits',
        () => {
          const d = good().slice();
          d[24] = 1;
          return d;
        },
      ],
      ['one element', () => Uint8Array.of(0x30, 0x02, 0x05, 0x00)],
      ['garbage', () => Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)],
    ])('%s throws INVALID_DER', (_, der) => {
      expect(codeOf(() => parsePublicKey(der()))).toBe('INVALID_DER');
    });
  });

  describe('when the PEM is malformed', () => {
    const pem = () => keyFor('ECDSA P-256').pem;
    it.each([
      ['no block', () => 'hello'],
      ['certificate label', () => pem().replace(/PUBLIC KEY/g, 'CERTIFICATE')],
      ['mismatched labels', () => pem().replace('END PUBLIC KEY', 'END PRIVATE KEY')],
      ['bad base64', () => pem().replace(/\n[A-Za-z0-9]/, '\n!')],
      ['empty body', () => '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'],
      ['headers', () => pem().replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n')],
    ])('%s throws INVALID_PEM', (_, text) => {
      expect(codeOf(() => parsePublicKey(text()))).toBe('INVALID_PEM');
    });
  });

  describe('when the input is neither text nor bytes', () => {
    it.each([[undefined], [null], [42], [{}], [[1, 2]]])('%j throws INVALID_INPUT', (v) => {
      expect(codeOf(() => parsePublicKey(v as unknown as string))).toBe('INVALID_INPUT');
    });
  });
});

function rsaSpki(n: Uint8Array, e: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => encodeUnsignedInteger(b);
  const rsaKey = encodeTlv(0x30, concatBytes(int(n), int(e)));
  const alg = hexDecode('300d06092a864886f70d0101010500');
  return encodeTlv(0x30, concatBytes(alg, encodeTlv(0x03, concatBytes(Uint8Array.of(0), rsaKey))));
}

describe('pemEncode / pemDecode', () => {
  describe('when round-tripping', () => {
    it.each([[1], [48], [49], [200]])('%i bytes', (n) => {
      const der = Uint8Array.from({ length: n }, (_, i) => i);
      const text = pemEncode(der, 'TEST DATA');
      expect(text.split('\n').every((l) => l.length <= 64)).toBe(true);
      expect(pemDecode(text, 'TEST DATA')).toEqual({ label: 'TEST DATA', der });
      expect(pemDecode(`junk before\n${text.replace(/\n/g, '\r\n')}junk after`).der).toEqual(der);
    });
  });
});

describe('verifySignature', () => {
  describe.each(BACKENDS)('when using the %s backend', (backend) => {
    describe.each(GENERATED.map((g) => [g.label]))('with %s', (label) => {
      it('accepts a good signature and rejects every way of being wrong', async () => {
        const k = keyFor(label);
        const key = parsePublicKey(k.spkiDer);
        const other = parsePublicKey(keyFor(label === 'Ed25519' ? 'ECDSA P-256' : 'Ed25519').spkiDer);
        const sig = signWith(k, MSG);
        const cases: [string, () => Promise<boolean>, boolean][] = [
          ['good', () => verifySignature(key, MSG, sig), true],
          ['other message', () => verifySignature(key, enc.encode('the quick brown fax\n'), sig), false],
          ['empty message', () => verifySignature(key, new Uint8Array(0), sig), false],
          ['flipped first byte', () => verifySignature(key, MSG, flip(sig, 0)), false],
          ['flipped middle byte', () => verifySignature(key, MSG, flip(sig, sig.length >> 1)), false],
          ['flipped last byte', () => verifySignature(key, MSG, flip(sig, sig.length - 1)), false],
          ['truncated', () => verifySignature(key, MSG, sig.subarray(0, sig.length - 1)), false],
          ['extended', () => verifySignature(key, MSG, concatBytes(sig, Uint8Array.of(0))), false],
          ['empty signature', () => verifySignature(key, MSG, new Uint8Array(0)), false],
          ['all zeros', () => verifySignature(key, MSG, new Uint8Array(sig.length)), false],
          ['all 0xff', () => verifySignature(key, MSG, new Uint8Array(sig.length).fill(0xff)), false],
        ];
        if (other.kind !== key.kind)
          cases.push(['key of another type', () => verifySignature(other, MSG, sig), false]);
        await withBackend(backend, async () => {
          for (const [name, run, want] of cases) expect([name, await run()]).toEqual([name, want]);
        });
      });
    });

    describe('with ECDSA-specific encodings', () => {
      it.each(GENERATED.filter((g) => g.kind === 'ecdsa').map((g) => [g.label]))(
        '%s: raw r||s, high-S, format options',
        async (label) => {
          const k = keyFor(label);
          const size = CURVE_BYTES[k.curve as 'P-256'];
          const der = signWith(k, MSG);
          const raw = signWith(k, MSG, { raw: true });
          const high = highS(der, k.n as bigint, size);
          const highRaw = ecdsaDerToRaw(high, size) as Uint8Array;
          await withBackend(backend, async () => {
            const key = parsePublicKey(k.spkiDer);
            expect(await verifySignature(key, MSG, raw)).toBe(true);
            expect(await verifySignature(key, MSG, raw, { ecdsaFormat: 'raw' })).toBe(true);
            expect(await verifySignature(key, MSG, raw, { ecdsaFormat: 'der' })).toBe(false);
            expect(await verifySignature(key, MSG, der, { ecdsaFormat: 'raw' })).toBe(false);
            expect(await verifySignature(key, MSG, der, { ecdsaFormat: 'der' })).toBe(true);
            expect(await verifySignature(key, MSG, high)).toBe(true);
            expect(await verifySignature(key, MSG, highRaw)).toBe(true);
            // Signed with the curve's default hash; verifying with another hash fails.
            expect(
              await verifySignature(key, MSG, der, { hash: k.hash === 'sha256' ? 'sha512' : 'sha256' }),
            ).toBe(false);
            // And a signature over SHA-256 on P-384 verifies when asked for (the note type 0x02 rule).
            const sha256Sig = signWith(k, MSG, { hash: 'sha256' });
            expect(await verifySignature(key, MSG, sha256Sig, { hash: 'sha256' })).toBe(true);
          });
        },
      );

      it('rejects non-minimal DER integers and r or s out of range', async () => {
        const k = keyFor('ECDSA P-256');
        const raw = signWith(k, MSG, { raw: true });
        const r = raw.subarray(0, 32);
        const s = raw.subarray(32);
        const nonMinimal = encodeTlv(
          0x30,
          concatBytes(encodeTlv(0x02, concatBytes(Uint8Array.of(0, 0), r)), encodeUnsignedInteger(s)),
        );
        const zeroR = concatBytes(new Uint8Array(32), s);
        const nBytes = hexDecode((k.n as bigint).toString(16));
        const sIsN = concatBytes(r, nBytes);
        await withBackend(backend, async () => {
          const key = parsePublicKey(k.spkiDer);
          expect(await verifySignature(key, MSG, nonMinimal)).toBe(false);
          expect(await verifySignature(key, MSG, zeroR)).toBe(false);
          expect(await verifySignature(key, MSG, sIsN)).toBe(false);
        });
      });
    });

    describe('with RSA paddings and digests', () => {
      it('verifies PKCS#1 v1.5 and PSS, and keeps them apart', async () => {
        const k = keyFor('RSA 2048');
        const pss = signWith(k, MSG, { pss: true, salt: 32 });
        const pss20 = signWith(k, MSG, { pss: true, salt: 20 });
        const pkcs1Sha512 = signWith(k, MSG, { hash: 'sha512' });
        const pkcs1 = signWith(k, MSG);
        await withBackend(backend, async () => {
          const key = parsePublicKey(k.spkiDer);
          expect(await verifySignature(key, MSG, pss, { rsaPadding: 'pss' })).toBe(true);
          expect(await verifySignature(key, MSG, pss)).toBe(false);
          expect(await verifySignature(key, MSG, pkcs1, { rsaPadding: 'pss' })).toBe(false);
          expect(await verifySignature(key, MSG, pss20, { rsaPadding: 'pss' })).toBe(false);
          expect(await verifySignature(key, MSG, pss20, { rsaPadding: 'pss', pssSaltLength: 20 })).toBe(true);
          expect(await verifySignature(key, MSG, pss20, { rsaPadding: 'pss', pssSaltLength: 'auto' })).toBe(
            true,
          );
          expect(await verifySignature(key, MSG, pss, { rsaPadding: 'pss', pssSaltLength: 'auto' })).toBe(
            true,
          );
          expect(await verifySignature(key, MSG, pkcs1Sha512, { hash: 'sha512' })).toBe(true);
          expect(await verifySignature(key, MSG, pkcs1Sha512)).toBe(false);
          // A signature equal to the modulus is out of range.
          const n = (key as { n: bigint }).n;
          expect(await verifySignature(key, MSG, hexDecode(n.toString(16)))).toBe(false);
        });
      });

      it('verifies the OpenSSL-made RSA 3072/4096 fixtures', async () => {
        const m = enc.encode(FIXTURE_MESSAGE);
        await withBackend(backend, async () => {
          const k3 = parsePublicKey(RSA3072_PEM);
          const k4 = parsePublicKey(RSA4096_PEM);
          expect(await verifySignature(k4, m, base64Decode(RSA4096_PKCS1_SHA256))).toBe(true);
          expect(
            await verifySignature(k4, m, base64Decode(RSA4096_PSS_SHA512_SALT64), {
              rsaPadding: 'pss',
              hash: 'sha512',
            }),
          ).toBe(true);
          expect(await verifySignature(k3, m, base64Decode(RSA3072_PKCS1_SHA384), { hash: 'sha384' })).toBe(
            true,
          );
          expect(
            await verifySignature(k3, m, base64Decode(RSA3072_PSS_SHA256_SALT32), { rsaPadding: 'pss' }),
          ).toBe(true);
          expect(await verifySignature(k3, m, base64Decode(RSA4096_PKCS1_SHA256))).toBe(false);
          expect(await verifySignature(k4, enc.encode('other'), base64Decode(RSA4096_PKCS1_SHA256))).toBe(
            false,
          );
        });
      });
    });
  });

  describe('when repeatedly verifying with one key', () => {
    it('imports the key once (later calls reuse the cached CryptoKey)', async () => {
      const k = keyFor('Ed25519');
      const key = parsePublicKey(k.spkiDer);
      const sig = signWith(k, MSG);
      const spy = vi.spyOn(globalThis.crypto.subtle, 'importKey');
      try {
        for (let i = 0; i < 5; i++) expect(await verifySignature(key, MSG, sig)).toBe(true);
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('when the arguments are unusable', () => {
    it.each([
      [
        'unknown hash',
        () =>
          verifySignature(parsePublicKey(keyFor('Ed25519').spkiDer), MSG, MSG, { hash: 'md5' as 'sha256' }),
        'DIGEST_UNSUPPORTED',
      ],
      [
        'rsaPadding on an EC key',
        () => verifySignature(parsePublicKey(keyFor('ECDSA P-256').spkiDer), MSG, MSG, { rsaPadding: 'pss' }),
        'INVALID_INPUT',
      ],
      [
        'unknown padding',
        () =>
          verifySignature(parsePublicKey(keyFor('RSA 2048').spkiDer), MSG, MSG, {
            rsaPadding: 'oaep' as 'pss',
          }),
        'INVALID_INPUT',
      ],
      [
        'negative salt',
        () => verifySignature(parsePublicKey(keyFor('RSA 2048').spkiDer), MSG, MSG, { pssSaltLength: -1 }),
        'INVALID_INPUT',
      ],
      [
        'unknown ECDSA format',
        () =>
          verifySignature(parsePublicKey(keyFor('ECDSA P-256').spkiDer), MSG, MSG, {
            ecdsaFormat: 'jws' as 'raw',
          }),
        'INVALID_INPUT',
      ],
      ['not a key', () => verifySignature({} as PublicKey, MSG, MSG), 'INVALID_INPUT'],
      ['null key', () => verifySignature(null as unknown as PublicKey, MSG, MSG), 'INVALID_INPUT'],
      [
        'string data',
        () => verifySignature(parsePublicKey(keyFor('Ed25519').spkiDer), 'x' as unknown as Uint8Array, MSG),
        'INVALID_INPUT',
      ],
      [
        'array signature',
        () => verifySignature(parsePublicKey(keyFor('Ed25519').spkiDer), MSG, [1] as unknown as Uint8Array),
        'INVALID_INPUT',
      ],
    ])('%s throws %s', async (_, run, code) => {
      expect(await asyncCodeOf(run)).toBe(code);
    });
  });
});

describe('verifySignatureOverDigest', () => {
  describe('when given ECDSA signatures', () => {
    it.each(GENERATED.filter((g) => g.kind === 'ecdsa').map((g) => [g.label]))(
      '%s: good, high-S, wrong digest',
      async (label) => {
        const k = keyFor(label);
        const key = parsePublicKey(k.spkiDer);
        const der = signWith(k, MSG);
        const d = digest(k.hash as 'sha256', MSG);
        const size = CURVE_BYTES[k.curve as 'P-256'];
        expect(await verifySignatureOverDigest(key, d, der)).toBe(true);
        expect(await verifySignatureOverDigest(key, d, signWith(k, MSG, { raw: true }))).toBe(true);
        expect(await verifySignatureOverDigest(key, d, highS(der, k.n as bigint, size))).toBe(true);
        expect(await verifySignatureOverDigest(key, flip(d, 3), der)).toBe(false);
        expect(await verifySignatureOverDigest(key, d, flip(der, der.length - 2))).toBe(false);
        expect(await verifySignatureOverDigest(key, d, Uint8Array.of(0x30, 0x00))).toBe(false);
        // SHA-256 digest with a P-384/P-521 key (explicit hash).
        const sig256 = signWith(k, MSG, { hash: 'sha256' });
        expect(await verifySignatureOverDigest(key, sha256(MSG), sig256, { hash: 'sha256' })).toBe(true);
      },
    );
  });

  describe('when given RSA signatures', () => {
    it('verifies PKCS#1 v1.5 and PSS over a digest', async () => {
      const k = keyFor('RSA 2048');
      const key = parsePublicKey(k.spkiDer);
      const d = sha256(MSG);
      expect(await verifySignatureOverDigest(key, d, signWith(k, MSG))).toBe(true);
      expect(
        await verifySignatureOverDigest(key, d, signWith(k, MSG, { pss: true, salt: 32 }), {
          rsaPadding: 'pss',
        }),
      ).toBe(true);
      expect(
        await verifySignatureOverDigest(key, d, signWith(k, MSG, { pss: true, salt: 0 }), {
          rsaPadding: 'pss',
          pssSaltLength: 'auto',
        }),
      ).toBe(true);
      expect(await verifySignatureOverDigest(key, d, signWith(k, MSG, { pss: true, salt: 32 }))).toBe(false);
      expect(await verifySignatureOverDigest(key, flip(d, 0), signWith(k, MSG))).toBe(false);
      expect(await verifySignatureOverDigest(key, sha512(MSG), signWith(k, MSG, { hash: 'sha512' }))).toBe(
        true,
      );
    });

    it('verifies the RSA 4096 PSS/SHA-512 fixture over its digest', async () => {
      const key = parsePublicKey(RSA4096_PEM);
      const d = sha512(enc.encode(FIXTURE_MESSAGE));
      expect(
        await verifySignatureOverDigest(key, d, base64Decode(RSA4096_PSS_SHA512_SALT64), {
          rsaPadding: 'pss',
        }),
      ).toBe(true);
    });
  });

  describe('when the request cannot be honoured', () => {
    it.each([
      ['Ed25519 key', 'Ed25519', new Uint8Array(32), undefined, 'KEY_UNSUPPORTED'],
      ['20-byte digest', 'ECDSA P-256', new Uint8Array(20), undefined, 'DIGEST_UNSUPPORTED'],
      [
        'digest length disagrees with hash',
        'ECDSA P-256',
        new Uint8Array(32),
        { hash: 'sha384' as const },
        'DIGEST_UNSUPPORTED',
      ],
    ])('%s throws %s', async (_, label, d, opts, code) => {
      const key = parsePublicKey(keyFor(label).spkiDer);
      expect(await asyncCodeOf(() => verifySignatureOverDigest(key, d, new Uint8Array(64), opts))).toBe(code);
    });
  });
});

describe('digest / sha256 / sha384 / sha512', () => {
  describe('when compared with node:crypto', () => {
    it.each([[0], [1], [55], [56], [64], [1000]])('agree on %i bytes', (n) => {
      const b = new Uint8Array(nodeCrypto.randomBytes(n));
      for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
        const want = new Uint8Array(nodeCrypto.createHash(alg).update(b).digest());
        expect(digest(alg, b)).toEqual(want);
        expect({ sha256, sha384, sha512 }[alg](b)).toEqual(want);
      }
    });
  });

  describe('when the algorithm is unknown', () => {
    it('throws DIGEST_UNSUPPORTED', () => {
      expect(codeOf(() => digest('md5' as 'sha256', MSG))).toBe('DIGEST_UNSUPPORTED');
    });
  });
});

describe('ecdsaDerToRaw / ecdsaRawToDer', () => {
  describe('when converting', () => {
    it('round-trips and pads short integers', () => {
      const raw = concatBytes(
        new Uint8Array(31),
        Uint8Array.of(5),
        Uint8Array.of(0x80),
        new Uint8Array(31).fill(1),
      );
      const der = ecdsaRawToDer(raw);
      expect(hexEncode(der).startsWith('3026020105022100')).toBe(true);
      expect(ecdsaDerToRaw(der, 32)).toEqual(raw);
    });
  });

  describe('when the DER is not strict', () => {
    it.each([
      ['negative r', '3006020180020101'],
      ['non-minimal r', '300702020001020101'],
      ['trailing bytes', '300602010102010100'],
      ['three integers', '3009020101020101020101'],
      ['wrong tag', '3006040101020101'],
      ['r too wide', `3025022101${'00'.repeat(32)}020101`],
    ])('%s -> null', (_, hex) => {
      expect(ecdsaDerToRaw(hexDecode(hex), 32)).toBeNull();
    });
  });
});

describe('garbage input', () => {
  const keyDer = () => keyFor('ECDSA P-256').spkiDer;

  describe('when parsePublicKey gets random or mutated bytes', () => {
    it('only ever throws coded errors', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyCoded(() => parsePublicKey(b))),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.nat(90), fc.integer({ min: 1, max: 255 }), (i, x) => {
          const d = keyDer().slice();
          d[i % d.length] = (d[i % d.length] as number) ^ x;
          onlyCoded(() => parsePublicKey(d));
        }),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.nat(90), (n) => onlyCoded(() => parsePublicKey(keyDer().subarray(0, n)))),
        { numRuns: 200 },
      );
    });
  });

  describe('when text decoders get random strings', () => {
    it('only ever throw coded errors', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 80, unit: 'binary' }), (s) => {
          onlyCoded(() => parsePublicKey(s));
          onlyCoded(() => pemDecode(`-----BEGIN PUBLIC KEY-----\n${s}\n-----END PUBLIC KEY-----\n`));
          onlyCoded(() => base64Decode(s));
          onlyCoded(() => hexDecode(s));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('when verifySignature gets random signatures', () => {
    it('resolves false, never throws', async () => {
      const key = parsePublicKey(keyDer());
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (sig) => {
          expect(await verifySignature(key, MSG, sig)).toBe(false);
          expect(await verifySignatureOverDigest(key, sha256(MSG), sig)).toBe(false);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('encodeOid', () => {
  it.each([
    ['2.16.840.1.101.3.4.2.1', '608648016503040201'],
    ['1.3.6.1.4.1.57264.1.7', '2b0601040183bf300107'],
    ['2.999.3', '883703'],
  ])('encodes %s as X.690 contents %s, and decodeOid reads it back', (dotted, hex) => {
    expect(hexEncode(encodeOid(dotted))).toBe(hex);
    expect(decodeOid(encodeOid(dotted))).toBe(dotted);
  });
  it('round-trips any OID', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 6 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join('.');
          expect(decodeOid(encodeOid(dotted))).toBe(dotted);
        },
      ),
    );
  });
  it.each(['1', '3.1', '1.2.x', '1.-2'])('refuses %s', (dotted) => {
    expect(codeOf(() => encodeOid(dotted))).toBeDefined();
  });
  it('reads each OID by all its bytes, and refuses a malformed one every time (decodeOid keeps answers)', () => {
    const a = encodeOid('1.2.840.10045.4.3.2');
    const b = encodeOid('1.2.840.10045.4.3.3');
    for (let i = 0; i < 3; i++) {
      expect(decodeOid(a)).toBe('1.2.840.10045.4.3.2');
      expect(decodeOid(b)).toBe('1.2.840.10045.4.3.3');
      expect(decodeOid(a.subarray(0, a.length - 1))).toBe('1.2.840.10045.4.3');
      for (const bad of [Uint8Array.of(0x2a, 0x86), Uint8Array.of(0x80, 0x01), new Uint8Array(0)]) {
        expect(codeOf(() => decodeOid(bad))).toBe('INVALID_DER');
      }
    }
  });
});
