/**
 * One key policy for the log and the verifier (@scriba/sdk/crypto `checkKeyPolicy`): a key the SDK's
 * verifier refuses MUST be refused at the log too, with the same message, and a key it accepts MUST
 * be logged. Real server over HTTP on a real PostgreSQL.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { isScribaError } from '@scriba/sdk/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEntry } from '../../../test/helpers/entries.js';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';

function rsaEntry(bits: number): { entry: Record<string, unknown>; spkiPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const artifact = randomBytes(32);
  const entry = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
      signature: {
        content: sign('sha256', artifact, privateKey as KeyObject).toString('base64'),
        publicKey: { content: Buffer.from(spkiPem).toString('base64') },
      },
    },
  };
  return { entry, spkiPem };
}

/** The SDK verifier's verdict on a key: its KEY_UNSUPPORTED message, or undefined when accepted. */
function sdkRefusal(spkiPem: string): string | undefined {
  try {
    parsePublicKey(spkiPem);
    return undefined;
  } catch (e) {
    if (isScribaError(e, 'KEY_UNSUPPORTED')) return e.message;
    throw e;
  }
}

describe('key policy at the log', () => {
  let server: RunningServer;
  let log: TestLog | undefined;

  beforeAll(async () => {
    log = await startTestLog();
    server = log.server;
  });
  afterAll(async () => {
    await log?.stop();
  });

  describe('when the key is a 5120-bit RSA key', () => {
    it('is refused with 400 and the SDK verifier message', async () => {
      const { entry, spkiPem } = rsaEntry(5120);
      const message = sdkRefusal(spkiPem);
      expect(message).toBeDefined();
      const r = await postEntry(server.url, entry);
      expect(r.status).toBe(400);
      const body = (await r.json()) as { code: number; message: string };
      expect(body.code).toBe(400);
      expect(body.message).toContain(message);
    }, 60_000);
  });

  describe('when the key is a 4096-bit RSA key', () => {
    it('is logged, and the SDK verifier accepts the key too', async () => {
      const { entry, spkiPem } = rsaEntry(4096);
      expect(sdkRefusal(spkiPem)).toBeUndefined();
      const r = await postEntry(server.url, entry);
      expect(r.status).toBe(201);
    }, 60_000);
  });
});
