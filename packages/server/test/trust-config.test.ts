/**
 * GET /api/v1/log/trusted-root and /api/v1/log/signing-config across shard rotations, on a real
 * server (PostgreSQL, HTTP): one tlog entry per key (shards keeping the key share it), its window
 * from the first shard's creation to the last one's freeze (open while it signs the active shard),
 * windows meeting at a rotation to a new key, logId = SHA-256 of the SPKI; the served JSON parses with
 * the SDK and with sigstore-js's protobuf-specs, and the signing config's v2 service starts at the
 * active shard's creation. Rotations go through the log core (`LogService.rotate`: the storage
 * port's atomic `rotate`), as `scriba shard rotate` does; the second key is in the server's keyring
 * (SCRIBA_SHARD_KEYS).
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseSigningConfig, parseTrustedRoot } from '@scriba/sdk/bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import type { TreeRecord } from '../src/log/storage.js';
import type { RunningServer } from '../src/main.js';

const verifyRequire = createRequire(createRequire(import.meta.url).resolve('@sigstore/verify'));
const { TrustedRoot } = verifyRequire(
  '@sigstore/protobuf-specs',
) as typeof import('@sigstore/protobuf-specs');

type Tlog = {
  baseUrl: string;
  publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } };
  logId: { keyId: string };
};

let server: RunningServer;
/** The log's second key, in the server's keyring (SCRIBA_SHARD_KEYS). */
const otherPem = generateLogKeyPem();
const other = parseLogKeyPem(otherPem, 'test');
let log: TestLog | undefined;

beforeAll(async () => {
  log = await startTestLog({
    database: 'scriba_trust_config',
    env: async (dir) => {
      const keys = join(dir, 'other-key.pem');
      await writeFile(keys, otherPem, { mode: 0o600 });
      return { SCRIBA_SHARD_KEYS: keys };
    },
  });
  server = log.server;
});
afterAll(async () => {
  await log?.stop();
});

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
/** A time as the trusted root states it: RFC 3339, whole seconds rounded down. */
const seconds = (d: Date) =>
  new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Rotates the log now to a new shard signed with `key` (LogService.rotate, as `scriba shard rotate`). */
function rotate(key: LogKey): Promise<{ frozen: TreeRecord; active: TreeRecord }> {
  return server.log.rotate({ key });
}

async function trustedRoot(): Promise<{ json: { tlogs: Tlog[] }; text: string }> {
  const r = await fetch(`${server.url}/api/v1/log/trusted-root`);
  expect(r.status).toBe(200);
  const text = await r.text();
  return { json: JSON.parse(text), text };
}

describe('GET /api/v1/log/trusted-root', () => {
  let first: TreeRecord;

  describe('when the log has one shard', () => {
    it('lists its key with an open window from the shard creation', async () => {
      first = (await server.log.storage.shards())[0]!;
      const { json } = await trustedRoot();
      expect(json.tlogs).toEqual([
        {
          baseUrl: server.url,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(server.log.key.spki),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start: seconds(first.createdAt) },
          },
          logId: { keyId: b64(sha256(server.log.key.spki)) },
        },
      ]);
    });
  });

  describe('when the log rotates and keeps its key', () => {
    it('still lists one entry for the key, its window open and unchanged', async () => {
      const { frozen } = await rotate(server.log.key);
      expect(frozen.treeId).toBe(first.treeId);
      const { json } = await trustedRoot();
      expect(json.tlogs).toHaveLength(1);
      expect(json.tlogs[0]!.publicKey.validFor).toEqual({ start: seconds(first.createdAt) });
    });
  });

  describe('when the log rotates to a new key', () => {
    it('lists two entries whose windows meet at the rotation', async () => {
      // A later second than the log's creation, so that each bound below is told apart.
      await new Promise((r) => setTimeout(r, 1100));
      const firstKey = server.log.key;
      const { frozen, active } = await rotate(other);
      expect(seconds(active.createdAt)).not.toBe(seconds(first.createdAt));
      expect(frozen.frozenAt).not.toBeNull();
      const { json, text } = await trustedRoot();
      expect(json.tlogs.map((t) => t.logId.keyId)).toEqual([
        b64(sha256(firstKey.spki)),
        b64(sha256(other.spki)),
      ]);
      const [old, next] = json.tlogs as [Tlog, Tlog];
      expect(old.publicKey.validFor).toEqual({
        start: seconds(first.createdAt),
        end: seconds(frozen.frozenAt as Date),
      });
      expect(next.publicKey).toEqual({
        rawBytes: b64(other.spki),
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        validFor: { start: seconds(active.createdAt) },
      });
      // The freeze and the new shard are one transaction: the windows meet, no gap, no overlap.
      expect(next.publicKey.validFor.start).toBe(old.publicKey.validFor.end);

      // The SDK reads the windows as closed intervals; sigstore-js's protobuf-specs reads the end.
      const parsed = parseTrustedRoot(text);
      expect(parsed.tlogs[0]!.validFor.window).toEqual({
        start: Date.parse(old.publicKey.validFor.start),
        end: Date.parse(old.publicKey.validFor.end as string),
      });
      const proto = TrustedRoot.fromJSON(json);
      expect(proto.tlogs[0]!.publicKey?.validFor?.end?.getTime()).toBe(
        Date.parse(old.publicKey.validFor.end as string),
      );
      expect(proto.tlogs[1]!.publicKey?.validFor?.end).toBeUndefined();
    });
  });

  describe('when the log rotates back to a key it used before', () => {
    it('keeps one entry per key, the reused key open again', async () => {
      await rotate(server.log.keyring.primary);
      const { json } = await trustedRoot();
      expect(json.tlogs).toHaveLength(2);
      expect(json.tlogs[0]!.logId.keyId).toBe(b64(sha256(server.log.keyring.primary.spki)));
      expect(json.tlogs[0]!.publicKey.validFor).toEqual({ start: seconds(first.createdAt) });
      expect(json.tlogs[1]!.publicKey.validFor.end).toBeDefined();
    });
  });
});

describe('GET /api/v1/log/signing-config', () => {
  it('names the active shard as the Rekor v2 service and every shard as Rekor v1', async () => {
    const shards = await server.log.storage.shards();
    const active = shards.find((s) => s.active)!;
    const r = await fetch(`${server.url}/api/v1/log/signing-config`);
    expect(r.status).toBe(200);
    const config = parseSigningConfig(await r.text());
    const v2 = config.rekorTlogUrls.find((s) => s.majorApiVersion === 2)!;
    const v1 = config.rekorTlogUrls.find((s) => s.majorApiVersion === 1)!;
    expect(v2).toMatchObject({ url: server.url, validFor: { start: Date.parse(seconds(active.createdAt)) } });
    expect(v1.validFor.start).toBe(Date.parse(seconds(shards[0]!.createdAt)));
    expect(v2.validFor.start).toBeGreaterThanOrEqual(v1.validFor.start);
    expect(v2.validFor.end).toBeUndefined();
  });
});
