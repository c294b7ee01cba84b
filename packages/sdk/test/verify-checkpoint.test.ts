/**
 * `verifyCheckpointNote`: the one check of a checkpoint note against the log's key and the
 * required witnesses (C2SP tlog-checkpoint, signed-note, tlog-cosignature), each refusal by its code.
 */
import { describe, expect, it } from 'vitest';
import { ed25519PublicKeyFromRaw } from '../src/crypto/index.js';
import {
  cosignatureSigner,
  ed25519Signer,
  formatCheckpoint,
  noteVerifierFromPublicKey,
  parseNote,
  signNote,
} from '../src/note/index.js';
import { verifyCheckpointNote } from '../src/verify/index.js';

const origin = 'log.scriba.test - 42';
const logSigner = ed25519Signer('log.scriba.test', new Uint8Array(32).fill(1));
const logKey = ed25519PublicKeyFromRaw(logSigner.publicKey);
const otherKey = ed25519PublicKeyFromRaw(
  ed25519Signer('log.scriba.test', new Uint8Array(32).fill(2)).publicKey,
);
const witness = cosignatureSigner('witness.scriba.test', new Uint8Array(32).fill(7));
const witnessVerifier = noteVerifierFromPublicKey(
  'witness.scriba.test',
  ed25519PublicKeyFromRaw(witness.publicKey),
  {
    cosignature: true,
  },
);
const text = formatCheckpoint({ origin, size: 3, rootHash: new Uint8Array(32).fill(9), extensions: [] });

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('verifyCheckpointNote', () => {
  it('accepts a checkpoint signed by the log key and returns it', async () => {
    const r = await verifyCheckpointNote(await signNote(text, [logSigner]), logKey);
    expect(r.checkpoint).toMatchObject({ origin, size: 3 });
    expect(r.cosigners).toEqual([]);
  });
  it('refuses a checkpoint signed by another key', async () => {
    expect(await code(verifyCheckpointNote(await signNote(text, [logSigner]), otherKey))).toBe(
      'TLOG_CHECKPOINT_SIGNATURE_INVALID',
    );
  });
  it('refuses a note that is not a checkpoint', async () => {
    const note = await signNote('not a checkpoint\n', [logSigner]);
    expect(await code(verifyCheckpointNote(note, logKey))).toBe('TLOG_CHECKPOINT_MALFORMED');
    expect(await code(verifyCheckpointNote('garbage', logKey))).toBe('TLOG_CHECKPOINT_MALFORMED');
  });
  it('refuses a checkpoint signed only by a witness', async () => {
    const note = await signNote(text, [witness]);
    const witnesses = { verifiers: [witnessVerifier], threshold: 1 };
    expect(await code(verifyCheckpointNote(note, logKey, witnesses))).toBe(
      'TLOG_CHECKPOINT_SIGNATURE_INVALID',
    );
  });
  it('requires the threshold of witness cosignatures, each key counted once', async () => {
    const logged = await signNote(text, [logSigner]);
    const cosigned = await signNote(parseNote(logged), [witness]);
    const one = { verifiers: [witnessVerifier], threshold: 1 };
    expect(await code(verifyCheckpointNote(logged, logKey, one))).toBe(
      'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
    );
    expect((await verifyCheckpointNote(cosigned, logKey, one)).cosigners).toEqual([witnessVerifier]);
    const twiceTheSame = { verifiers: [witnessVerifier, witnessVerifier], threshold: 2 };
    expect(await code(verifyCheckpointNote(cosigned, logKey, twiceTheSame))).toBe(
      'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
    );
  });
});
