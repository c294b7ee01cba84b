import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseTrustedRoot,
  shardedLogInstances,
  TRUSTED_ROOT_MEDIA_TYPE,
  transparencyLogInstanceToJson,
} from '../src/bundle/index.js';
import { sha256 } from '../src/crypto/hash.js';

const spki = (type: 'ec' | 'ed25519' = 'ec') =>
  new Uint8Array(
    (type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519')
    ).publicKey.export({ type: 'spki', format: 'der' }),
  );
const A = spki();
const B = spki();
const t = (iso: string) => Date.parse(iso);

describe('shardedLogInstances', () => {
  describe('when shards keep their key', () => {
    it('gives one instance, open while a shard is active, from the first creation', () => {
      const out = shardedLogInstances('https://log.example', [
        { publicKey: A, createdAt: t('2025-01-01T00:00:00.700Z'), frozenAt: t('2025-06-01T12:00:00.300Z') },
        { publicKey: A, createdAt: t('2025-06-01T12:00:00.300Z'), frozenAt: null },
      ]);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({
        baseUrl: 'https://log.example',
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        logId: sha256(A),
        validFor: { window: { start: t('2025-01-01T00:00:00Z') } },
      });
    });

    it('ends at the last freeze once every shard of the key is frozen', () => {
      const [only] = shardedLogInstances('u', [
        { publicKey: A, createdAt: t('2025-01-01T00:00:00Z'), frozenAt: t('2025-03-01T00:00:00.999Z') },
        { publicKey: A, createdAt: t('2025-03-01T00:00:00.999Z'), frozenAt: t('2025-04-01T00:00:09.5Z') },
      ]);
      expect(only!.validFor.window).toEqual({
        start: t('2025-01-01T00:00:00Z'),
        end: t('2025-04-01T00:00:09Z'),
      });
    });
  });

  describe('when a shard takes a new key', () => {
    it('gives one instance per key, in order of first use, windows meeting at the rotation', () => {
      const rotation = t('2025-06-01T12:00:00.300Z');
      const out = shardedLogInstances('u', [
        { publicKey: A, createdAt: t('2025-01-01T00:00:00Z'), frozenAt: rotation },
        { publicKey: B, createdAt: rotation },
      ]);
      expect(out.map((i) => i.logId)).toEqual([sha256(A), sha256(B)]);
      expect(out[0]!.validFor.window!.end).toBe(out[1]!.validFor.window!.start);
      expect(out[1]!.validFor.window!.end).toBeUndefined();
    });

    it('keeps a reused key in one instance spanning both uses', () => {
      const out = shardedLogInstances('u', [
        { publicKey: A, createdAt: t('2025-01-01T00:00:00Z'), frozenAt: t('2025-02-01T00:00:00Z') },
        { publicKey: B, createdAt: t('2025-02-01T00:00:00Z'), frozenAt: t('2025-03-01T00:00:00Z') },
        { publicKey: A, createdAt: t('2025-03-01T00:00:00Z'), frozenAt: t('2025-04-01T00:00:00Z') },
      ]);
      expect(out).toHaveLength(2);
      expect(out[0]!.validFor.window).toEqual({
        start: t('2025-01-01T00:00:00Z'),
        end: t('2025-04-01T00:00:00Z'),
      });
    });

    it('names the key type of an Ed25519 key', () => {
      expect(shardedLogInstances('u', [{ publicKey: spki('ed25519'), createdAt: 0 }])[0]!.keyDetails).toBe(
        'PKIX_ED25519',
      );
    });
  });

  describe('when a key does not parse', () => {
    it('throws a coded error', () => {
      expect(() =>
        shardedLogInstances('u', [{ publicKey: new Uint8Array([1, 2, 3]), createdAt: 0 }]),
      ).toThrow(expect.objectContaining({ code: expect.any(String) }));
    });
  });
});

describe('transparencyLogInstanceToJson', () => {
  it('is read back by the trusted-root parser as the same instances', () => {
    const instances = shardedLogInstances('https://log.example', [
      { publicKey: A, createdAt: t('2025-01-01T00:00:00Z'), frozenAt: t('2025-06-01T12:00:00Z') },
      { publicKey: B, createdAt: t('2025-06-01T12:00:00Z') },
    ]);
    const json = {
      mediaType: TRUSTED_ROOT_MEDIA_TYPE,
      tlogs: instances.map(transparencyLogInstanceToJson),
      ctlogs: [],
      certificateAuthorities: [],
      timestampAuthorities: [],
    };
    expect((json.tlogs[0]!.publicKey as { validFor: unknown }).validFor).toEqual({
      start: '2025-01-01T00:00:00Z',
      end: '2025-06-01T12:00:00Z',
    });
    expect(parseTrustedRoot(JSON.stringify(json)).tlogs).toEqual(instances);
  });
});
