import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { base64Decode, utf8Decode, utf8Encode } from '../src/encoding.js';
import {
  ed25519Signer,
  formatCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifyCheckpoint,
} from '../src/note/index.js';
import { asyncCodeOf, codeOf } from './helpers/codes.js';

type BodyVector = {
  source: string;
  m: string;
  want?: { origin?: string; size?: string; hashB64?: string; rest?: string };
  wantErr: boolean;
  desc?: string;
};
const VECTORS = JSON.parse(
  readFileSync(
    new URL('../../../test/vectors/signed-note/signed-note-vectors.json', import.meta.url),
    'utf8',
  ),
) as { checkpointBodies: BodyVector[]; notes: { desc: string; note: string; verifierKeys: string[] }[] };

const ROOT = 'f+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=';

describe('parseCheckpoint', () => {
  describe('when given the transparency-dev/formats vectors (lenient mode, as log.Checkpoint.Unmarshal)', () => {
    it('has all 12 body vectors', () => {
      expect(VECTORS.checkpointBodies).toHaveLength(12);
    });

    it.each(VECTORS.checkpointBodies.map((v) => [v.desc ?? JSON.stringify(v.m), v] as const))(
      '%s',
      (_, v) => {
        if (v.wantErr) {
          expect(codeOf(() => parseCheckpoint(v.m, { lenient: true }))).toBe('CHECKPOINT_MALFORMED');
          return;
        }
        const cp = parseCheckpoint(v.m, { lenient: true });
        if (v.want?.origin !== undefined) expect(cp.origin).toBe(v.want.origin);
        if (v.want?.size !== undefined) expect(String(cp.size)).toBe(v.want.size);
        if (v.want?.hashB64 !== undefined) expect(cp.rootHash).toEqual(base64Decode(v.want.hashB64));
        if (v.want?.rest !== undefined) expect(cp.extensions.map((e) => `${e}\n`).join('')).toBe(v.want.rest);
      },
    );
  });

  describe('when given the same vectors in strict mode (default)', () => {
    // Strict mode additionally requires a 32-byte root and non-empty extension lines (tlog-checkpoint);
    // none of the upstream valid bodies has a 32-byte root, so each of them is rejected.
    it.each(VECTORS.checkpointBodies.map((v) => [v.desc ?? JSON.stringify(v.m), v] as const))(
      '%s is rejected',
      (_, v) => {
        expect(codeOf(() => parseCheckpoint(v.m))).toBe('CHECKPOINT_MALFORMED');
      },
    );
  });

  describe('when given valid strict bodies', () => {
    it.each([
      [`Rekor\n798034\n${ROOT}\n`, 'Rekor', 798034, []],
      [`example.com/log\n0\n${ROOT}\n`, 'example.com/log', 0, []],
      [`o\n9007199254740991\n${ROOT}\next one\nsecond\n`, 'o', 9007199254740991, ['ext one', 'second']],
      [`origin with spaces+plus\n1\n${ROOT}\n`, 'origin with spaces+plus', 1, []],
    ])('%j', (body, origin, size, extensions) => {
      const cp = parseCheckpoint(body);
      expect(cp).toEqual({ origin, size, rootHash: base64Decode(ROOT), extensions });
      expect(formatCheckpoint(cp)).toBe(body);
    });
  });

  describe('when the body is malformed', () => {
    it.each([
      [`o\n01\n${ROOT}\n`, 'leading zero'],
      [`o\n00\n${ROOT}\n`, 'double zero'],
      [`o\n+1\n${ROOT}\n`, 'plus sign'],
      [`o\n1.0\n${ROOT}\n`, 'decimal point'],
      [`o\n1e3\n${ROOT}\n`, 'exponent'],
      [`o\n 1\n${ROOT}\n`, 'leading space'],
      [`o\n\n${ROOT}\n`, 'empty size'],
      [`o\n9007199254740992\n${ROOT}\n`, 'size above 2^53 - 1'],
      [`o\n18446744073709551615\n${ROOT}\n`, 'max uint64'],
      [`o\n1\n${ROOT.slice(0, -1)}\n`, 'unpadded root'],
      [`o\n1\nYmFuYW5hcw==\n`, 'root not 32 bytes'],
      [`o\n1\n${ROOT}\n\n`, 'empty extension line'],
      [`o\n1\n${ROOT}`, 'no final newline'],
      [`o\n1\n`, 'two lines'],
      [`\n1\n${ROOT}\n`, 'empty origin'],
      [`o\r\n1\n${ROOT}\n`, 'CR'],
      [`o\u0000\n1\n${ROOT}\n`, 'NUL'],
      ['', 'empty'],
    ])('%j (%s) throws CHECKPOINT_MALFORMED', (body) => {
      expect(codeOf(() => parseCheckpoint(body))).toBe('CHECKPOINT_MALFORMED');
    });

    it('rejects a non-string', () => {
      expect(codeOf(() => parseCheckpoint(utf8Encode('x') as unknown as string))).toBe(
        'CHECKPOINT_MALFORMED',
      );
    });
  });
});

describe('formatCheckpoint', () => {
  describe('when the checkpoint is invalid', () => {
    const root = base64Decode(ROOT);
    it.each([
      [{ origin: '', size: 1, rootHash: root, extensions: [] }, 'empty origin'],
      [{ origin: 'a\nb', size: 1, rootHash: root, extensions: [] }, 'newline in origin'],
      [{ origin: 'o', size: -1, rootHash: root, extensions: [] }, 'negative size'],
      [{ origin: 'o', size: 1.5, rootHash: root, extensions: [] }, 'fractional size'],
      [{ origin: 'o', size: 2 ** 53, rootHash: root, extensions: [] }, 'unsafe size'],
      [{ origin: 'o', size: 1, rootHash: root.subarray(1), extensions: [] }, 'short root'],
      [{ origin: 'o', size: 1, rootHash: root, extensions: [''] }, 'empty extension'],
      [{ origin: 'o', size: 1, rootHash: root, extensions: ['a\nb'] }, 'newline in extension'],
      [{ origin: 'o\u0001', size: 1, rootHash: root, extensions: [] }, 'control character'],
    ])('%s throws CHECKPOINT_MALFORMED', (cp) => {
      expect(codeOf(() => formatCheckpoint(cp))).toBe('CHECKPOINT_MALFORMED');
    });
  });
});

describe('verifyCheckpoint', () => {
  describe('when given the real Rekor production checkpoint', () => {
    const rekor = VECTORS.notes.find((n) => n.desc.startsWith('REAL production Rekor')) as {
      note: string;
      verifierKeys: string[];
    };

    it('verifies and parses it', async () => {
      const out = await verifyCheckpoint(rekor.note, rekor.verifierKeys.map(parseVerifierKey), {
        origin: 'Rekor',
      });
      expect(out.checkpoint.size).toBe(798034);
      expect(out.checkpoint.rootHash).toEqual(base64Decode(ROOT));
    });

    it('accepts UTF-8 bytes', async () => {
      const out = await verifyCheckpoint(utf8Encode(rekor.note), rekor.verifierKeys.map(parseVerifierKey));
      expect(utf8Decode(utf8Encode(out.note.text))).toBe(out.note.text);
    });

    it('rejects the wrong origin', async () => {
      expect(
        await asyncCodeOf(() =>
          verifyCheckpoint(rekor.note, rekor.verifierKeys.map(parseVerifierKey), {
            origin: 'rekor.sigstore.dev',
          }),
        ),
      ).toBe('CHECKPOINT_MALFORMED');
    });

    it('rejects a size changed after signing', async () => {
      const tampered = rekor.note.replace('798034', '798035');
      expect(
        await asyncCodeOf(() => verifyCheckpoint(tampered, rekor.verifierKeys.map(parseVerifierKey))),
      ).toBe('NOTE_INVALID_SIGNATURE');
    });
  });

  describe('when a signed body is not a checkpoint', () => {
    it('throws CHECKPOINT_MALFORMED after verifying the signature', async () => {
      const s = ed25519Signer('k.example', new Uint8Array(32).fill(4));
      const note = await signNote('just text\n', [s]);
      const { formatVerifierKey } = await import('../src/note/index.js');
      const v = parseVerifierKey(formatVerifierKey('k.example', 1, s.publicKey));
      expect(await asyncCodeOf(() => verifyCheckpoint(note, [v]))).toBe('CHECKPOINT_MALFORMED');
    });
  });
});

describe('parseCheckpoint on the sigstore-conformance rekor2-checkpoint-missing-* cases', () => {
  const dir = new URL(
    '../../../test/vectors/sigstore-conformance/test/assets/bundle-verify/',
    import.meta.url,
  );
  it.each([
    'rekor2-checkpoint-missing-origin_fail',
    'rekor2-checkpoint-missing-size_fail',
    'rekor2-checkpoint-missing-root-hash_fail',
  ])('%s: the note parses, its body is CHECKPOINT_MALFORMED', async (name) => {
    const bundle = JSON.parse(readFileSync(new URL(`${name}/bundle.sigstore.json`, dir), 'utf8'));
    const { parseNote } = await import('../src/note/index.js');
    const text = parseNote(
      bundle.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope,
    ).text;
    expect(codeOf(() => parseCheckpoint(text))).toBe('CHECKPOINT_MALFORMED');
    expect(codeOf(() => parseCheckpoint(text, { lenient: true }))).toBe('CHECKPOINT_MALFORMED');
  });
});
