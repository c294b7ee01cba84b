/**
 * What `scriba sign` and `scriba attest` share once the content is signed: obtain a timestamp
 * (when asked, and always on Rekor v2, which has no signed entry timestamp), log the entry (v1 or
 * v2), assemble a Sigstore bundle v0.3 from the log's answer with the SDK (`assembleBundle`,
 * `tlogEntryFromRekorV1/V2`), and check it with the SDK verifier (`verifyBundle`: the SET and the
 * checkpoint signature with the log's key, the inclusion proof against the checkpoint, the binding
 * of the entry to this signature, key and artifact, the timestamp) before writing it. A bundle
 * that does not verify is not written. `runSignCommand` is the two commands' one flow (options,
 * key, trust, publish, write, report), with what differs (the content and its entry) passed in.
 */
import { writeFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import {
  assembleBundle,
  type Bundle,
  type BundleContent,
  bundleToJson,
  type HashAlgorithm,
  hexEncode,
  sha256,
  tlogEntryFromRekorV1,
  tlogEntryFromRekorV2,
} from '@scriba/sdk';
import {
  checkArtifact,
  resolveSigner,
  type TrustMaterial,
  verifyBundle,
  verifyContentSignature,
  verifyRfc3161Timestamps,
  verifyTlogEntries,
} from '@scriba/sdk/verify';
import { type CommandValues, runParsedCommand } from './args.js';
import { defaultLogUrl, logBase } from './http.js';
import { outputError, usageError } from './output.js';
import { postV1Entry, postV2Entry } from './rekor.js';
import { loadSigningKey, type SigningKey } from './signing.js';
import { fetchTimestamp } from './timestamp.js';
import { loadTrust } from './trust.js';

export type PublishOptions = {
  base: string;
  api: 1 | 2;
  key: SigningKey;
  /** DER of the signing certificate (its public key is `key`'s); absent: key-signed. */
  certificate?: Uint8Array;
  content: BundleContent;
  /** The signature being logged and timestamped. */
  signature: Uint8Array;
  proposedV1: () => unknown;
  requestV2: () => unknown;
  timestamp: boolean;
  trust: TrustMaterial;
  /** What the verifier checks the bundle against. */
  artifact?: Uint8Array;
  artifactDigest?: { algorithm: HashAlgorithm; digest: Uint8Array };
};

export type Published = { bundle: Bundle; logIndex: number; uuid?: string; created: boolean };

export async function publish(o: PublishOptions): Promise<Published> {
  const timestamps = o.timestamp || o.api === 2 ? [await fetchTimestamp(o.base, o.signature)] : [];
  let published: Omit<Published, 'bundle'>;
  let entry: Bundle['tlogEntries'][number];
  if (o.api === 1) {
    const { answer, created } = await postV1Entry(o.base, o.proposedV1());
    entry = tlogEntryFromRekorV1(answer.value);
    published = { logIndex: entry.logIndex, uuid: answer.uuid, created };
  } else {
    entry = tlogEntryFromRekorV2(await postV2Entry(o.base, o.requestV2()));
    published = { logIndex: entry.logIndex, created: true };
  }
  const bundle = assembleBundle({
    verificationMaterial: o.certificate
      ? { kind: 'certificate', certificate: o.certificate }
      : { kind: 'publicKey', hint: hexEncode(sha256(o.key.spki)) },
    tlogEntries: [entry],
    rfc3161Timestamps: timestamps,
    content: o.content,
  });
  const input = {
    ...(o.artifact !== undefined ? { artifact: o.artifact } : {}),
    ...(o.artifactDigest !== undefined ? { artifactDigest: o.artifactDigest } : {}),
  };
  if (!o.certificate) {
    await verifyBundle(bundle, {
      trustMaterial: o.trust,
      publicKey: o.key.spki,
      ...input,
      timestampThreshold: entry.signedEntryTimestamp || timestamps.length > 0 ? 1 : 0,
    });
  } else {
    // The certificate's authority need not be in the log's trusted root (a private CA is trusted
    // by the verifier's own root), so here the SDK's steps up to the log and timestamps are run:
    // the signature, the entry's binding, SET, inclusion proof and checkpoint, the timestamps.
    const signer = resolveSigner(bundle, o.trust);
    const artifact = checkArtifact(bundle, input);
    await verifyContentSignature(bundle, signer.key, artifact);
    await verifyTlogEntries(bundle, signer, artifact, o.trust, 1);
    await verifyRfc3161Timestamps(bundle, o.trust);
  }
  return { bundle, ...published };
}

/** Writes the bundle as protobuf JSON (exit 2 when the file cannot be written). */
export async function writeBundle(path: string, bundle: Bundle): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(bundleToJson(bundle), null, 2)}\n`);
  } catch (e) {
    throw outputError('cannot write bundle', path, e);
  }
}

/** What differs between `scriba sign` and `scriba attest`, given to `runSignCommand`. */
export type SignCommand<T> = {
  /** The command's options beyond those of every signing command. */
  options: NonNullable<ParseArgsConfig['options']>;
  /** Options that must be given, in the order they are reported missing. */
  required: string[];
  /** The command's own usage checks, run after the common ones; passes its result on. */
  check?: (v: CommandValues) => T;
  /**
   * Reads the command's inputs for `key` (refusing a key it cannot use); returns `sign`, run once
   * the trust is loaded, which signs and gives the content to publish, and `what` it did, for the
   * report line (`signed FILE`).
   */
  prepare: (
    v: CommandValues,
    key: SigningKey,
    api: 1 | 2,
    checked: T,
  ) => Promise<{
    what: string;
    sign: () => Omit<PublishOptions, 'base' | 'api' | 'key' | 'timestamp' | 'trust'>;
  }>;
};

/**
 * The flow of a signing command: `--key`, `--artifact | --digest`, `--bundle`, `--url`,
 * `--rekor-api 1|2`, `--timestamp`, `--trusted-root`; load the key, prepare, load the trust, sign,
 * publish, write the bundle, one report line.
 */
export function runSignCommand<T>(argv: string[], usage: string, cmd: SignCommand<T>): Promise<number> {
  const options = {
    key: { type: 'string' },
    ...cmd.options,
    artifact: { type: 'string' },
    digest: { type: 'string' },
    bundle: { type: 'string' },
    url: { type: 'string', default: defaultLogUrl() },
    'rekor-api': { type: 'string', default: '1' },
    timestamp: { type: 'boolean', default: false },
    'trusted-root': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  return runParsedCommand(argv, options, usage, async (v) => {
    for (const f of cmd.required) if (!v[f]) throw usageError(`--${f} is required`);
    if ((v.artifact === undefined) === (v.digest === undefined))
      throw usageError('give one of --artifact or --digest');
    if (v['rekor-api'] !== '1' && v['rekor-api'] !== '2') throw usageError('--rekor-api must be 1 or 2');
    const checked = cmd.check ? cmd.check(v) : (undefined as T);
    const api = v['rekor-api'] === '2' ? 2 : 1;
    const base = logBase(v.url as string);
    const key = await loadSigningKey(v.key as string);
    const { what, sign } = await cmd.prepare(v, key, api, checked);
    const trust = (await loadTrust(base, v['trusted-root'] as string | undefined)).trust;
    const out = await publish({ base, api, key, timestamp: v.timestamp === true, trust, ...sign() });
    await writeBundle(v.bundle as string, out.bundle);
    process.stdout.write(
      `${what}; ${out.created ? 'logged' : 'already logged'} at index ${out.logIndex} in ${base}${out.uuid ? ` (uuid ${out.uuid})` : ''}; wrote ${v.bundle}\n`,
    );
    return 0;
  });
}
