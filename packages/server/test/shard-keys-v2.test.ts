/**
 * A rotation to a new key, as C2SP sees it (issue 11), real PostgreSQL and real HTTP: each shard's
 * checkpoints carry the Ed25519 signature of that shard's key (derived from its ECDSA key), so a frozen
 * shard's final checkpoint stays byte for byte what was served and cached (immutable) even when the
 * servers' primary key is now the new one; /api/v2/log/vkeys lists both verifier keys, the active
 * shard's first; a v2 append to the new shard carries the new key's log ID and signatures.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base64Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { noteVerifierFromPublicKey, parseCheckpoint, parseVerifierKey, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashedRekord,
  hashedRekordV2,
  newSigner,
  postEntry,
  postEntryV2,
} from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import type { RunningServer } from '../src/main.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

let first: RunningServer;
let second: RunningServer;
let oldKey: LogKey;
let newKey: LogKey;
let frozen: string;
let frozenCheckpoint: string;
const cleanups: (() => Promise<void>)[] = [];

const text = async (s: RunningServer, path: string) => (await fetch(`${s.url}${path}`)).text();

beforeAll(async () => {
  const db = await createTestDatabase('scriba_shard_keys_v2');
  const dir = await tempDir('scriba-shard-keys-v2-');
  cleanups.push(db.drop, dir.remove);
  const common = { DATABASE_URL: db.url, SCRIBA_PUBLIC_URL: 'http://scriba.test' };
  first = await startTestServer({ ...common, SCRIBA_DATA_DIR: join(dir.path, 'first') });
  cleanups.unshift(() => first.close());
  oldKey = first.log.key;
  const signer = newSigner();
  for (let i = 0; i < 3; i++) expect((await postEntry(first.url, hashedRekord(signer))).status).toBe(201);
  const newKeyPath = join(dir.path, 'new-key.pem');
  const pem = generateLogKeyPem();
  await writeFile(newKeyPath, pem, { mode: 0o600 });
  newKey = parseLogKeyPem(pem, newKeyPath);
  frozen = first.log.active.treeId;
  await first.log.rotate({ key: newKey });
  const r = await fetch(`${first.url}/api/v2/shards/${frozen}/checkpoint`);
  expect(r.headers.get('cache-control')).toBe(IMMUTABLE);
  frozenCheckpoint = await r.text();
  // A frontend whose primary key is the new one, holding the old one for the frozen shard.
  second = await startTestServer({
    ...common,
    SCRIBA_DATA_DIR: join(dir.path, 'second'),
    SCRIBA_LOG_KEY: newKeyPath,
    SCRIBA_SHARD_KEYS: join(dir.path, 'first', 'log-key.pem'),
  });
  cleanups.unshift(() => second.close());
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('a shard rotated to a new key, over C2SP', () => {
  it("the frozen shard's final checkpoint is byte for byte the same on a frontend with the new primary key", async () => {
    expect(await text(second, `/api/v2/shards/${frozen}/checkpoint`)).toBe(frozenCheckpoint);
  });

  it("lists both verifier keys, the active shard's first, each verifying its shard's checkpoint", async () => {
    const vkeys = (await text(second, '/api/v2/log/vkeys')).trim().split('\n');
    expect(vkeys).toHaveLength(2);
    const [active, old] = vkeys.map((v) => parseVerifierKey(v));
    const ecdsaOld = noteVerifierFromPublicKey(second.log.signer.name, parsePublicKey(oldKey.spki));
    const ecdsaNew = noteVerifierFromPublicKey(second.log.signer.name, parsePublicKey(newKey.spki));
    expect((await verifyNote(frozenCheckpoint, [old!, ecdsaOld])).verified).toHaveLength(2);
    await expect(verifyNote(frozenCheckpoint, [active!])).rejects.toMatchObject({
      code: 'NOTE_NO_VERIFIED_SIGNATURE',
    });
    const current = await text(second, '/api/v2/checkpoint');
    expect((await verifyNote(current, [active!, ecdsaNew])).verified).toHaveLength(2);
  });

  it("a v2 append to the new shard carries the new key's log ID and signatures", async () => {
    const r = await postEntryV2(second.url, hashedRekordV2(newSigner()));
    expect(r.status).toBe(201);
    const tle = (await r.json()) as {
      logIndex: string;
      logId: { keyId: string };
      inclusionProof: { checkpoint: { envelope: string } };
    };
    expect(tle.logIndex).toBe('0');
    expect(tle.logId.keyId).toBe(base64Encode(newKey.logId));
    const [active] = (await text(second, '/api/v2/log/vkeys')).trim().split('\n');
    const ecdsaNew = noteVerifierFromPublicKey(second.log.signer.name, parsePublicKey(newKey.spki));
    const { note, verified } = await verifyNote(tle.inclusionProof.checkpoint.envelope, [
      parseVerifierKey(active!),
      ecdsaNew,
    ]);
    expect(verified).toHaveLength(2);
    expect(parseCheckpoint(note.text).size).toBe(1);
  });
});
