/**
 * A tiny in-test transparency log and bundle builder for the verifier tests: a real ECDSA P-256 log
 * key, RFC 6962 tree, inclusion proofs, signed checkpoints (C2SP signed-note, via the SDK) and SETs
 * over RFC 8785 JSON — so every tlog entry built here is genuine, and tests can then mutate exactly
 * one thing.
 */
import { canonicalJson, pemEncode, sha256 } from '../src/crypto/index.js';
import { base64Encode, hexEncode, utf8Encode } from '../src/encoding.js';
import { assembleProof, hashLeaf, inclusionProofNodes, rootFromLeafHashes } from '../src/merkle/index.js';
import { ecdsaP256Signer, formatCheckpoint, signNote } from '../src/note/index.js';
import { preAuthEncoding } from '../src/verify/dsse.js';

const subtle = globalThis.crypto.subtle;

export type KeyPair = { pair: CryptoKeyPair; spki: Uint8Array; pem: string };

export async function newKey(): Promise<KeyPair> {
  const pair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
  return { pair, spki, pem: pemEncode(spki, 'PUBLIC KEY') };
}

/** ECDSA P-256 / SHA-256 signature, DER encoded (as Sigstore signatures are). */
export async function sign(key: KeyPair, data: Uint8Array): Promise<Uint8Array> {
  const raw = new Uint8Array(
    await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.pair.privateKey, data as BufferSource),
  );
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0 && (b[i + 1] as number) < 0x80) i++;
    const v = b.subarray(i);
    return (v[0] as number) >= 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v];
  };
  const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

export const ORIGIN = 'log.scriba.test';

export function hashedRekordBody(digest: Uint8Array, signature: Uint8Array, keyPem: string): Uint8Array {
  return utf8Encode(
    canonicalJson({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: hexEncode(digest) } },
        signature: {
          content: base64Encode(signature),
          publicKey: { content: base64Encode(utf8Encode(keyPem)) },
        },
      },
    }),
  );
}

export function dsseBody(payload: Uint8Array, signature: Uint8Array, keyPem: string): Uint8Array {
  return utf8Encode(
    canonicalJson({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: hexEncode(sha256(new Uint8Array([1]))) },
        payloadHash: { algorithm: 'sha256', value: hexEncode(sha256(payload)) },
        signatures: [{ signature: base64Encode(signature), verifier: base64Encode(utf8Encode(keyPem)) }],
      },
    }),
  );
}

export function hashedRekordV2Body(digest: Uint8Array, signature: Uint8Array, spki: Uint8Array): Uint8Array {
  return utf8Encode(
    canonicalJson({
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: {
        hashedRekordV002: {
          data: { algorithm: 'SHA2_256', digest: base64Encode(digest) },
          signature: {
            content: base64Encode(signature),
            verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: { rawBytes: base64Encode(spki) } },
          },
        },
      },
    }),
  );
}

export type TlogEntryJson = Record<string, unknown>;

/** An in-memory log: append bodies, then get bundle entries with SET + proof + signed checkpoint. */
export class TestLog {
  readonly bodies: Uint8Array[] = [];
  integratedTime = 1_750_000_000;
  /** The checkpoint origin: `ORIGIN`, or for a Rekor v1 shard `ORIGIN - <treeID>`. */
  constructor(
    readonly key: KeyPair,
    readonly origin: string = ORIGIN,
  ) {}

  static async create(origin: string = ORIGIN): Promise<TestLog> {
    const log = new TestLog(await newKey(), origin);
    // Some unrelated entries so that proofs have a few levels.
    for (let i = 0; i < 5; i++) log.append(utf8Encode(`{"unrelated":${i}}`));
    return log;
  }

  get logId(): Uint8Array {
    return sha256(this.key.spki);
  }

  append(body: Uint8Array): number {
    this.bodies.push(body);
    return this.bodies.length - 1;
  }

  trustedRoot(opts: { validFor?: Record<string, string> } = {}): Record<string, unknown> {
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: `https://${ORIGIN}`,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: base64Encode(this.key.spki),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: opts.validFor ?? { start: '2020-01-01T00:00:00Z' },
          },
          logId: { keyId: base64Encode(this.logId) },
        },
      ],
      ctlogs: [],
      certificateAuthorities: [],
      timestampAuthorities: [],
    };
  }

  async checkpoint(size: number, signer: KeyPair = this.key): Promise<string> {
    const root = rootFromLeafHashes(this.bodies.slice(0, size).map((b) => hashLeaf(b)));
    const body = formatCheckpoint({ origin: this.origin, size, rootHash: root, extensions: [] });
    return signNote(body, [await ecdsaP256Signer(ORIGIN, signer.pair)]);
  }

  proof(index: number, size: number): Uint8Array[] {
    const leaves = this.bodies.slice(0, size).map((b) => hashLeaf(b));
    const nodes = inclusionProofNodes(index, size);
    const hashes = nodes.ids.map(({ level, index: i }) =>
      rootFromLeafHashes(leaves.slice(i * 2 ** level, Math.min((i + 1) * 2 ** level, size))),
    );
    return assembleProof(nodes, hashes);
  }

  async set(body: Uint8Array, index: number, integratedTime = this.integratedTime): Promise<Uint8Array> {
    const payload = canonicalJson({
      body: base64Encode(body),
      integratedTime,
      logID: hexEncode(this.logId),
      logIndex: index,
    });
    return sign(this.key, utf8Encode(payload));
  }

  /**
   * The bundle JSON tlog entry for body `index` (SET unless `set: false`, proof + checkpoint). The
   * proof carries the tree-local `index`; `logIndex` is the index the entry claims (default `index`;
   * a Rekor v1 shard's global index is its offset plus `index`), and the SET signs `setIndex`
   * (default `logIndex`).
   */
  async entry(
    index: number,
    opts: { set?: boolean; kind?: string; version?: string; logIndex?: number; setIndex?: number } = {},
  ): Promise<TlogEntryJson> {
    const logIndex = opts.logIndex ?? index;
    const body = this.bodies[index] as Uint8Array;
    const size = this.bodies.length;
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { kind: string; apiVersion: string };
    const e: TlogEntryJson = {
      logIndex: String(logIndex),
      logId: { keyId: base64Encode(this.logId) },
      kindVersion: { kind: opts.kind ?? parsed.kind, version: opts.version ?? parsed.apiVersion },
      integratedTime: opts.set === false ? '0' : String(this.integratedTime),
      inclusionProof: {
        logIndex: String(index),
        rootHash: base64Encode(rootFromLeafHashes(this.bodies.map((b) => hashLeaf(b)))),
        treeSize: String(size),
        hashes: this.proof(index, size).map((h) => base64Encode(h)),
        checkpoint: { envelope: await this.checkpoint(size) },
      },
      canonicalizedBody: base64Encode(body),
    };
    if (opts.set !== false)
      e.inclusionPromise = {
        signedEntryTimestamp: base64Encode(await this.set(body, opts.setIndex ?? logIndex)),
      };
    return e;
  }
}

/** A key-signed v0.3 message-signature bundle. */
export function messageBundle(artifactDigest: Uint8Array, signature: Uint8Array, entries: TlogEntryJson[]) {
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: entries },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: base64Encode(artifactDigest) },
      signature: base64Encode(signature),
    },
  };
}

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A key-signed v0.3 DSSE bundle. */
export function dsseBundle(payload: Uint8Array, signature: Uint8Array, entries: TlogEntryJson[]) {
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: entries },
    dsseEnvelope: {
      payload: base64Encode(payload),
      payloadType: PAYLOAD_TYPE,
      signatures: [{ sig: base64Encode(signature), keyid: '' }],
    },
  };
}

export function pae(payload: Uint8Array): Uint8Array {
  return preAuthEncoding(PAYLOAD_TYPE, payload);
}
