import { sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../src/crypto/keys.js';
import { base64Decode, base64Encode } from '../src/encoding.js';
import { ScribaError } from '../src/errors.js';
import {
  ecdsaKeyHash,
  ecdsaP256Signer,
  ed25519KeyHash,
  ed25519Signer,
  formatNote,
  formatVerifierKey,
  MAX_NOTE_SIGNATURES,
  noteVerifierFromPublicKey,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from '../src/note/index.js';
import { asyncCodeOf, onlyCoded } from './helpers/codes.js';

type NoteVector = {
  source: string;
  desc: string;
  verifierKeys: string[];
  note: string;
  wantVerified?: string[];
  wantErr: boolean;
};
type KeyVector = { source: string; key: string; wantErr: boolean; desc?: string };
const VECTORS = JSON.parse(
  readFileSync(
    new URL('../../../test/vectors/signed-note/signed-note-vectors.json', import.meta.url),
    'utf8',
  ),
) as { notes: NoteVector[]; verifierKeyParsing: KeyVector[] };

const NOTE_CODES = [
  'NOTE_MALFORMED',
  'NOTE_TOO_MANY_SIGNATURES',
  'NOTE_NO_VERIFIED_SIGNATURE',
  'NOTE_INVALID_SIGNATURE',
];

describe('verifyNote', () => {
  describe('when given the signed-note vectors', () => {
    it('has all 16 note vectors', () => {
      expect(VECTORS.notes).toHaveLength(16);
    });

    it.each(VECTORS.notes.map((v) => [v.desc, v] as const))('%s', async (_, v) => {
      const verifiers = v.verifierKeys.map((k) => parseVerifierKey(k));
      if (v.wantErr) {
        expect(NOTE_CODES).toContain(await asyncCodeOf(() => verifyNote(v.note, verifiers)));
      } else {
        const { verified } = await verifyNote(v.note, verifiers);
        expect(verified.map((s) => s.name)).toEqual(v.wantVerified);
      }
    });
  });

  describe('when a vector fails, it fails for the right reason', () => {
    const byDesc = (d: string) => VECTORS.notes.find((v) => v.desc.startsWith(d)) as NoteVector;
    it.each([
      ['only EnochRoot sig but only Peter key known', 'NOTE_NO_VERIFIED_SIGNATURE'],
      ['corrupted signature bytes', 'NOTE_INVALID_SIGNATURE'],
      ['malformed: text with no blank line/sig', 'NOTE_MALFORMED'],
      ['malformed: sig line missing final newline', 'NOTE_MALFORMED'],
      ['malformed: leading control byte 0x01', 'NOTE_MALFORMED'],
      ['malformed: key name with space', 'NOTE_MALFORMED'],
      ['malformed: trailing non-signature line', 'NOTE_MALFORMED'],
      ['101 copies of a valid signature', 'NOTE_TOO_MANY_SIGNATURES'],
      ['verifier key name differs from signature name', 'NOTE_NO_VERIFIED_SIGNATURE'],
      // Its first 4 bytes no longer carry the key ID, so it is an unknown key's signature.
      ['garbage signature', 'NOTE_NO_VERIFIED_SIGNATURE'],
    ])('%s -> %s', async (desc, code) => {
      const v = byDesc(desc);
      expect(v).toBeDefined();
      expect(await asyncCodeOf(() => verifyNote(v.note, v.verifierKeys.map(parseVerifierKey)))).toBe(code);
    });
  });

  describe('when the note has exactly the maximum number of signatures', () => {
    it('accepts 100 copies of a valid signature', async () => {
      const v101 = VECTORS.notes.find((v) => v.desc.startsWith('101 copies')) as NoteVector;
      const lines = v101.note.split('\n');
      const sigLine = lines.find((l) => l.startsWith('\u2014 '));
      const text = v101.note.slice(0, v101.note.indexOf('\n\n') + 2);
      const note = text + `${sigLine}\n`.repeat(MAX_NOTE_SIGNATURES);
      const { verified, note: parsed } = await verifyNote(note, v101.verifierKeys.map(parseVerifierKey));
      expect(parsed.signatures).toHaveLength(100);
      expect(verified).toHaveLength(1);
    });
  });

  describe('when an unknown key shares only the name or only the key ID of a known key', () => {
    it('ignores those signatures and verifies the known one', async () => {
      const seed = new Uint8Array(32).fill(7);
      const s = ed25519Signer('example.com/log', seed);
      const signed = await signNote('hello\n', [s]);
      const sigB64 = signed.split(' ').pop()?.trim() as string;
      const raw = base64Decode(sigB64);
      const otherId = raw.slice();
      otherId[0] = (otherId[0] as number) ^ 1;
      const tampered = `${signed}\u2014 example.com/log ${base64Encode(otherId)}\n\u2014 other.example ${sigB64}\n`;
      const v = noteVerifierFromPublicKey('example.com/log', parsePublicKey(spkiEd25519(s.publicKey)));
      const out = await verifyNote(tampered, [v]);
      expect(out.verified).toHaveLength(1);
      expect(out.unverified).toHaveLength(2);
    });
  });

  describe('when the verifier list is empty', () => {
    it('throws NOTE_NO_VERIFIED_SIGNATURE', async () => {
      expect(await asyncCodeOf(() => verifyNote(VECTORS.notes[0]?.note as string, []))).toBe(
        'NOTE_NO_VERIFIED_SIGNATURE',
      );
    });
  });
});

function spkiEd25519(raw: Uint8Array): Uint8Array {
  const prefix = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
  const out = new Uint8Array(44);
  out.set(prefix, 0);
  out.set(raw, 12);
  return out;
}

describe('parseVerifierKey', () => {
  describe('when given the verifier-key vectors', () => {
    it('has all 9 key vectors', () => {
      expect(VECTORS.verifierKeyParsing).toHaveLength(9);
    });

    it.each(VECTORS.verifierKeyParsing.map((v) => [v.desc ?? 'valid', v.key, v] as const))(
      '%s: %s',
      async (_, key, v) => {
        if (v.wantErr)
          expect(await asyncCodeOf(() => parseVerifierKey(key))).toBe('NOTE_INVALID_VERIFIER_KEY');
        else expect(parseVerifierKey(key).name).toBe(key.split('+')[0]);
      },
    );
  });

  describe('when parsing the Rekor production key', () => {
    it('has key ID = first 4 bytes of the Rekor log ID', () => {
      const v = parseVerifierKey(VECTORS.verifierKeyParsing[0]?.key as string);
      // Rekor log ID c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d
      expect(v.keyHash).toBe(0xc0d23d6a);
      expect(v.type).toBe(2);
      expect(v.publicKey?.kind).toBe('ecdsa');
    });
  });

  describe('when the key string is malformed', () => {
    it.each([
      ['', 'empty'],
      ['name', 'one part'],
      ['name+c74f20a3', 'two parts'],
      ['+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'empty name'],
      ['Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'space in name'],
      ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'short hash'],
      ['PeterNeumann+c74f20a3x+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'long hash'],
      ['PeterNeumann+g74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'non-hex hash'],
      ['PeterNeumann+c74f20a3+', 'empty key'],
      ['PeterNeumann+c74f20a3+AQ==', 'type only'],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', 'truncated base64'],
      ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'hash off by one'],
    ])('%j (%s) throws NOTE_INVALID_VERIFIER_KEY', async (key) => {
      expect(await asyncCodeOf(() => parseVerifierKey(key))).toBe('NOTE_INVALID_VERIFIER_KEY');
    });

    it('rejects a non-string', async () => {
      expect(await asyncCodeOf(() => parseVerifierKey(undefined as unknown as string))).toBe(
        'NOTE_INVALID_VERIFIER_KEY',
      );
    });

    it('rejects a type 0x02 key that is not ECDSA (Ed25519 SPKI)', async () => {
      const spki = spkiEd25519(new Uint8Array(32).fill(9));
      const vkey = formatVerifierKey('x.example', 2, spki);
      expect(await asyncCodeOf(() => parseVerifierKey(vkey))).toBe('NOTE_INVALID_VERIFIER_KEY');
    });

    it('rejects a type 0x02 key whose SPKI is garbage', async () => {
      const vkey = formatVerifierKey('x.example', 2, Uint8Array.of(1, 2, 3));
      expect(await asyncCodeOf(() => parseVerifierKey(vkey))).toBe('NOTE_INVALID_VERIFIER_KEY');
    });
  });
});

describe('formatVerifierKey', () => {
  describe('when formatting the known keys', () => {
    it.each([
      'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=',
    ])('reproduces %s', (vkey) => {
      const [name, , b64] = vkey.split(/\+(?=[^+]*\+|[A-Za-z0-9/=]*$)/);
      const raw = base64Decode(vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1));
      expect(name).toBeDefined();
      expect(b64).toBeDefined();
      expect(formatVerifierKey(vkey.slice(0, vkey.indexOf('+')), raw[0] as number, raw.subarray(1))).toBe(
        vkey,
      );
    });
  });

  describe('when the name is invalid', () => {
    it.each(['', 'a b', 'a+b', 'a\u00a0b'])('%j throws NOTE_INVALID_VERIFIER_KEY', async (name) => {
      expect(await asyncCodeOf(() => formatVerifierKey(name, 1, new Uint8Array(32)))).toBe(
        'NOTE_INVALID_VERIFIER_KEY',
      );
    });
  });
});

describe('parseNote / formatNote', () => {
  describe('when given valid notes', () => {
    it.each(VECTORS.notes.filter((v) => !v.wantErr).map((v) => [v.desc, v.note]))(
      '%s round-trips',
      (_, text) => {
        const n = parseNote(text);
        expect(formatNote(n)).toBe(text);
      },
    );

    it('splits text and signatures at the last blank line', () => {
      const n = parseNote('a\n\nb\n\n\u2014 k AAAAAAE=\n');
      expect(n.text).toBe('a\n\nb\n');
      expect(n.signatures).toEqual([{ name: 'k', keyHash: 0, signature: Uint8Array.of(1) }]);
    });

    it('accepts UTF-8 bytes', () => {
      const n = parseNote(new TextEncoder().encode('é\n\n\u2014 k AAAAAAE=\n'));
      expect(n.text).toBe('é\n');
    });
  });

  describe('when the note is malformed', () => {
    it.each([
      ['', 'empty'],
      ['text\n', 'no signatures'],
      ['text\n\n', 'empty signature block'],
      ['text\n\n\u2014 k AAAAAAE=', 'no final newline'],
      ['text\n\n- k AAAAAAE=\n', 'hyphen instead of em dash'],
      ['text\n\n\u2014k AAAAAAE=\n', 'no space after em dash'],
      ['text\n\n\u2014 k  AAAAAAE=\n', 'double space'],
      ['text\n\n\u2014 k AAAAAAE= \n', 'trailing space'],
      ['text\n\n\u2014 k AAAAAA==\n', 'signature of 4 bytes (no signature after key ID)'],
      ['text\n\n\u2014 k AAAAAAE\n', 'unpadded base64'],
      ['text\n\n\u2014 a+b AAAAAAE=\n', 'plus in name'],
      ['text\n\n\u2014  AAAAAAE=\n', 'empty name'],
      ['text\n\n\u2014 k\u3000x AAAAAAE=\n', 'ideographic space in name'],
      ['text\n\n\u2014 k\n', 'no signature'],
      ['te\rxt\n\n\u2014 k AAAAAAE=\n', 'carriage return'],
      ['te\txt\n\n\u2014 k AAAAAAE=\n', 'tab'],
      ['te\ud800xt\n\n\u2014 k AAAAAAE=\n', 'lone surrogate'],
      ['text\n\n\u2014 k AAAAAAE=\n\n', 'trailing blank line'],
    ])('%j (%s) throws NOTE_MALFORMED', async (text) => {
      expect(await asyncCodeOf(() => parseNote(text))).toBe('NOTE_MALFORMED');
    });

    it.each([
      [Uint8Array.of(0xff, 0x0a, 0x0a), 'invalid UTF-8 bytes'],
      [42, 'a number'],
      [null, 'null'],
    ])('%s (%s) throws NOTE_MALFORMED', async (input, _desc) => {
      expect(await asyncCodeOf(() => parseNote(input as unknown as string))).toBe('NOTE_MALFORMED');
    });

    it('rejects a note over the size limit', async () => {
      const huge = `${'a'.repeat(1 << 20)}\n\n\u2014 k AAAAAAE=\n`;
      expect(await asyncCodeOf(() => parseNote(huge))).toBe('NOTE_MALFORMED');
    });

    it('rejects 101 signatures with NOTE_TOO_MANY_SIGNATURES', async () => {
      expect(await asyncCodeOf(() => parseNote(`t\n\n${'\u2014 k AAAAAAE=\n'.repeat(101)}`))).toBe(
        'NOTE_TOO_MANY_SIGNATURES',
      );
    });
  });

  describe('when formatting invalid notes', () => {
    it.each([
      [
        { text: 'no newline', signatures: [{ name: 'k', keyHash: 0, signature: Uint8Array.of(1) }] },
        'NOTE_MALFORMED',
      ],
      [{ text: 't\n', signatures: [] }, 'NOTE_MALFORMED'],
      [
        { text: 't\n', signatures: [{ name: 'a b', keyHash: 0, signature: Uint8Array.of(1) }] },
        'NOTE_MALFORMED',
      ],
      [
        { text: 't\n', signatures: [{ name: 'k', keyHash: 2 ** 32, signature: Uint8Array.of(1) }] },
        'NOTE_MALFORMED',
      ],
      [
        { text: 't\n', signatures: [{ name: 'k', keyHash: 0, signature: new Uint8Array(0) }] },
        'NOTE_MALFORMED',
      ],
    ])('%j throws %s', async (note, code) => {
      expect(await asyncCodeOf(() => formatNote(note))).toBe(code);
    });
  });
});

describe('signNote', () => {
  describe('when signing with Ed25519', () => {
    it('reproduces the golang.org/x/mod PeterNeumann signature (deterministic Ed25519)', async () => {
      // skey PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz (from the vector's desc)
      const seed = base64Decode('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz').subarray(1);
      const s = ed25519Signer('PeterNeumann', seed);
      expect(s.keyHash).toBe(0xc74f20a3);
      const v = VECTORS.notes[1] as NoteVector;
      const text = v.note.slice(0, v.note.lastIndexOf('\n\n') + 1);
      expect(await signNote(text, [s])).toBe(v.note);
    });

    it('round-trips through verifyNote with a formatted verifier key', async () => {
      const s = ed25519Signer('example.com/a', new Uint8Array(32).fill(1));
      const vkey = formatVerifierKey('example.com/a', 1, s.publicKey);
      const note = await signNote('body\nline two\n', [s]);
      const out = await verifyNote(note, [parseVerifierKey(vkey)]);
      expect(out.note.text).toBe('body\nline two\n');
      expect(out.verified[0]?.keyHash).toBe(ed25519KeyHash('example.com/a', s.publicKey));
    });
  });

  describe('when signing with ECDSA P-256', () => {
    it('produces a DER signature that verifies with the type 0x02 key', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      const s = await ecdsaP256Signer('log.example', pkcs8);
      expect(s.spki).toEqual(spki);
      expect(s.keyHash).toBe(ecdsaKeyHash(spki));
      const note = await signNote('log.example\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', [s]);
      const sig = parseNote(note).signatures[0]?.signature as Uint8Array;
      expect(sig[0]).toBe(0x30);
      const v = parseVerifierKey(formatVerifierKey('log.example', 2, spki));
      expect((await verifyNote(note, [v])).verified).toHaveLength(1);
    });

    it('accepts a WebCrypto CryptoKeyPair', async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      const s = await ecdsaP256Signer('log.example', pair);
      const note = await signNote('x\n', [s]);
      const v = noteVerifierFromPublicKey('log.example', parsePublicKey(s.spki));
      expect((await verifyNote(note, [v])).verified).toHaveLength(1);
    });

    it('rejects keys that are not PKCS#8 P-256', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const p384 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
      expect(await asyncCodeOf(() => ecdsaP256Signer('x', p384))).toBe('KEY_INVALID');
      expect(await asyncCodeOf(() => ecdsaP256Signer('x', Uint8Array.of(1, 2)))).toBe('KEY_INVALID');
    });
  });

  describe('when adding a signature to a signed note', () => {
    it('keeps other signatures and replaces the signer\u2019s own', async () => {
      const a = ed25519Signer('a.example', new Uint8Array(32).fill(2));
      const b = ed25519Signer('b.example', new Uint8Array(32).fill(3));
      const once = await signNote('t\n', [a]);
      const twice = await signNote(parseNote(once), [b, a]);
      expect(parseNote(twice).signatures.map((s) => s.name)).toEqual(['b.example', 'a.example']);
      const va = noteVerifierFromPublicKey('a.example', parsePublicKey(spkiEd25519(a.publicKey)));
      const vb = noteVerifierFromPublicKey('b.example', parsePublicKey(spkiEd25519(b.publicKey)));
      expect((await verifyNote(twice, [va, vb])).verified).toHaveLength(2);
    });
  });

  describe('when the text or signers are invalid', () => {
    it.each([
      ['no newline', 'NOTE_MALFORMED'],
      ['bad\u0007\n', 'NOTE_MALFORMED'],
    ])('%j throws %s', async (text, code) => {
      expect(await asyncCodeOf(() => signNote(text, [ed25519Signer('k', new Uint8Array(32))]))).toBe(code);
    });

    it('rejects an empty signer list', async () => {
      expect(await asyncCodeOf(() => signNote('t\n', []))).toBe('INVALID_INPUT');
    });

    it('rejects bad signer keys and names', async () => {
      expect(await asyncCodeOf(() => ed25519Signer('k', new Uint8Array(31)))).toBe('KEY_INVALID');
      expect(await asyncCodeOf(() => ed25519Signer('a b', new Uint8Array(32)))).toBe('NOTE_MALFORMED');
    });
  });
});

describe('noteVerifierFromPublicKey', () => {
  describe('when given an RSA key', () => {
    it('throws KEY_UNSUPPORTED', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = parsePublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
      expect(await asyncCodeOf(() => noteVerifierFromPublicKey('x', key))).toBe('KEY_UNSUPPORTED');
    });
  });

  describe('when given the Rekor key', () => {
    it('matches the vkey verifier', () => {
      const v = parseVerifierKey(VECTORS.verifierKeyParsing[0]?.key as string);
      const w = noteVerifierFromPublicKey('rekor.sigstore.dev', v.publicKey as never);
      expect(w.keyHash).toBe(v.keyHash);
    });
  });
});

describe('garbage input', () => {
  const noteChars = fc.constantFrom(
    'a',
    ' ',
    '\n',
    '\u2014',
    '+',
    '=',
    '/',
    'A',
    '0',
    '\u0001',
    '\ud800',
    'é',
  );

  describe('when parseNote and parseVerifierKey get random text', () => {
    it('only ever throw coded errors', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 120, unit: noteChars }), fc.string({ maxLength: 60 }), (s, t) => {
          onlyCoded(() => parseNote(s));
          onlyCoded(() => parseNote(`${t}\n\n\u2014 ${s}\n`));
          onlyCoded(() => parseVerifierKey(s));
          onlyCoded(() => parseVerifierKey(`k+00000000+${t}`));
        }),
        { numRuns: 3000 },
      );
    });
  });

  describe('when verifyNote gets mutated copies of the real Rekor checkpoint', () => {
    it('never verifies a changed note and only throws coded errors', async () => {
      const v = VECTORS.notes.find((n) => n.desc.startsWith('REAL production Rekor')) as NoteVector;
      const verifiers = v.verifierKeys.map(parseVerifierKey);
      await fc.assert(
        fc.asyncProperty(
          fc.nat(v.note.length - 1),
          fc.constantFrom('A', 'B', '0', '\n', ' ', '+'),
          async (i, c) => {
            const m = v.note.slice(0, i) + c + v.note.slice(i + 1);
            try {
              await verifyNote(m, verifiers);
              expect(m).toBe(v.note);
            } catch (e) {
              expect(e).toBeInstanceOf(ScribaError);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe('verifyNote with unusable verifiers', () => {
  it.each([[[null]], [[{}]], [[{ name: 'k', keyHash: 1 }]], ['not an array']])(
    '%j throws INVALID_INPUT',
    async (vs) => {
      const note = VECTORS.notes[0]?.note as string;
      expect(await asyncCodeOf(() => verifyNote(note, vs as never))).toBe('INVALID_INPUT');
    },
  );
});

describe('verifyNote on real Rekor v2 checkpoints (sigstore-conformance rekor2-checkpoint-*)', () => {
  const dir = new URL(
    '../../../test/vectors/sigstore-conformance/test/assets/bundle-verify/',
    import.meta.url,
  );
  const load = (name: string) => {
    const bundle = JSON.parse(readFileSync(new URL(`${name}/bundle.sigstore.json`, dir), 'utf8'));
    const root = JSON.parse(readFileSync(new URL(`${name}/trusted_root.json`, dir), 'utf8'));
    const tlog = root.tlogs.find((t: { baseUrl: string }) => t.baseUrl.includes('log2025-alpha1'));
    return {
      envelope: bundle.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope as string,
      key: parsePublicKey(base64Decode(tlog.publicKey.rawBytes)),
      logIdPrefix: base64Decode(tlog.logId.keyId).subarray(0, 4),
    };
  };
  const ORIGIN = 'log2025-alpha1.rekor.sigstage.dev';

  describe('when the checkpoint verifies with the log key', () => {
    it.each([
      ['rekor2-checkpoint-cosigned', 1],
      ['rekor2-checkpoint-multiple-cosigs', 2],
      ['rekor2-checkpoint-origin-not-first', 1],
      ['rekor2-checkpoint-two-sigs-from-origin', 1],
      ['rekor2-checkpoint-two-sigs-cosigned', 2],
    ])('%s verifies, ignoring %i unknown signature(s)', async (name, ignored) => {
      const c = load(name);
      const v = noteVerifierFromPublicKey(ORIGIN, c.key);
      // The note key ID of an Ed25519 log is the first 4 bytes of its Rekor v2 log ID.
      expect(v.keyHash).toBe(
        (((c.logIdPrefix[0] as number) << 24) |
          ((c.logIdPrefix[1] as number) << 16) |
          ((c.logIdPrefix[2] as number) << 8) |
          (c.logIdPrefix[3] as number)) >>>
          0,
      );
      const out = await verifyNote(c.envelope, [v]);
      expect(out.verified.map((s) => s.name)).toEqual([ORIGIN]);
      expect(out.unverified).toHaveLength(ignored);
    });
  });

  describe('when the checkpoint is broken', () => {
    it.each([
      ['rekor2-checkpoint-missing-log-signature_fail', 'NOTE_MALFORMED'],
      ['rekor2-checkpoint-no-matching-signature_fail', 'NOTE_NO_VERIFIED_SIGNATURE'],
    ])('%s -> %s', async (name, code) => {
      const c = load(name);
      expect(
        await asyncCodeOf(() => verifyNote(c.envelope, [noteVerifierFromPublicKey(ORIGIN, c.key)])),
      ).toBe(code);
    });
  });
});

describe('type 0x02 keys on other curves and other key forms', () => {
  describe('when a P-384 key signs SHA-256 DER signatures (transparency-dev/formats rule)', () => {
    it('verifies through the vkey', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      const text = 'p384.example\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
      const signer = {
        name: 'p384.example',
        keyHash: ecdsaKeyHash(spki),
        sign: async (m: Uint8Array) => new Uint8Array(cryptoSign('sha256', m, privateKey)),
      };
      const note = await signNote(text, [signer]);
      const v = parseVerifierKey(formatVerifierKey('p384.example', 2, spki));
      expect((await verifyNote(note, [v])).verified).toHaveLength(1);
      // A raw r||s signature is not what type 0x02 carries: rejected.
      const raw = new Uint8Array(
        cryptoSign('sha256', utf8(text), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      );
      const rawNote = formatNote({
        text,
        signatures: [{ name: 'p384.example', keyHash: v.keyHash, signature: raw }],
      });
      expect(await asyncCodeOf(() => verifyNote(rawNote, [v]))).toBe('NOTE_INVALID_SIGNATURE');
    });
  });

  describe('when ecdsaP256Signer gets an extractable private CryptoKey alone', () => {
    it('derives the public key and signs', async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      const s = await ecdsaP256Signer('log.example', pair.privateKey);
      expect(s.spki).toEqual(new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey)));
      const note = await signNote('x\n', [s]);
      const v = noteVerifierFromPublicKey('log.example', parsePublicKey(s.spki));
      expect((await verifyNote(note, [v])).verified).toHaveLength(1);
    });

    it('rejects a non-extractable key alone, and non-ECDSA keys', async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      expect(await asyncCodeOf(() => ecdsaP256Signer('x', pair.privateKey))).toBe('KEY_INVALID');
      expect(await asyncCodeOf(() => ecdsaP256Signer('x', pair.publicKey))).toBe('KEY_INVALID');
      const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      expect(await asyncCodeOf(() => ecdsaP256Signer('x', ed))).toBe('KEY_INVALID');
    });
  });
});

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
