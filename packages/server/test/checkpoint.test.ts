import { parsePublicKey } from '@scriba/sdk/crypto';
import { noteVerifierFromPublicKey, parseCheckpoint, verifyNote } from '@scriba/sdk/note';
import { describe, expect, it } from 'vitest';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';

describe('checkpointSigner', () => {
  describe('when signing checkpoints with the node:crypto signer', () => {
    it.each([
      [0, 0x00],
      [1, 0x11],
      [123_456_789, 0xfe],
    ])('signs size %i so that the SDK verifier accepts it', async (size, fill) => {
      const key = parseLogKeyPem(generateLogKeyPem(), 'test');
      const signer = await checkpointSigner(key, 'log.example', 'log.example - 42');
      const root = new Uint8Array(32).fill(fill);
      const note = await signer.sign(size, root);
      const verifier = noteVerifierFromPublicKey('log.example', parsePublicKey(key.spki));
      const { note: parsed } = await verifyNote(note, [verifier]);
      const cp = parseCheckpoint(parsed.text);
      expect([cp.origin, cp.size, Buffer.from(cp.rootHash).toString('hex')]).toEqual([
        'log.example - 42',
        size,
        Buffer.from(root).toString('hex'),
      ]);
      expect(signer.matches(note)).toBe(true);
    });
  });

  describe('when the note was signed by another key', () => {
    it('is rejected by the verifier of this key', async () => {
      const key = parseLogKeyPem(generateLogKeyPem(), 'test');
      const other = parseLogKeyPem(generateLogKeyPem(), 'other');
      const note = await (await checkpointSigner(other, 'log.example', 'o')).sign(1, new Uint8Array(32));
      const verifier = noteVerifierFromPublicKey('log.example', parsePublicKey(key.spki));
      await expect(verifyNote(note, [verifier])).rejects.toMatchObject({ code: expect.any(String) });
    });
  });
});
