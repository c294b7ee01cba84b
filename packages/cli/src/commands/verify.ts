/**
 * `scriba verify`: offline verification of a Sigstore bundle (v0.1–v0.3) against a Sigstore
 * TrustedRoot with @scriba/sdk `verifyBundle` — signature, transparency-log entries and their
 * binding to this artifact, certificates, SCTs, RFC 3161 timestamps, identity policy.
 *
 * Exit codes: 0 verified (one summary line, or the result as JSON with --json); 1 verification
 * failed (`error CODE: message`); 2 usage error, or an input that cannot be read or parsed (the
 * bundle is not JSON, the trusted root or key is malformed). Large artifacts are hashed streaming:
 * above STREAM_THRESHOLD bytes only their digest is passed to the SDK.
 */
import * as nodeCrypto from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { base64Encode, hexEncode, type PublicKey, parsePublicKey } from '@scriba/sdk';
import {
  IN_TOTO_PAYLOAD_TYPE,
  parseBundle,
  parseStatement,
  predicateTypeUri,
  type Statement,
  verifyPredicateType,
} from '@scriba/sdk/bundle';
import {
  type IdentityPolicy,
  isVerificationError,
  prepareTrustMaterial,
  type TrustMaterial,
  VerificationError,
  type VerificationResult,
  type VerifyBundleOptions,
  verifyBundle,
  type WitnessPolicy,
} from '@scriba/sdk/verify';
import { envVerifyStreamThreshold } from '../env.js';
import { hashFile as hashFileShared, parseDigestArg } from '../inputs.js';
import { describeError } from '../output.js';
import { witnessPolicy } from '../rekor.js';

const USAGE = `usage: scriba verify --bundle FILE (--artifact FILE | --digest sha256:HEX) --trusted-root FILE
         (--key FILE | --certificate-identity ID | --certificate-identity-regexp RE)
         [--certificate-oidc-issuer ISS | --certificate-oidc-issuer-regexp RE]
         [--type TYPE] [--insecure-ignore-subject]
         [--tlog-threshold N] [--ctlog-threshold N | --insecure-ignore-sct] [--timestamp-threshold N]
         [--require-witnesses N --witness VKEY...] [--json]
  --artifact / --digest  the signed artifact; for a DSSE (attestation) bundle, the SUBJECT of its
                         in-toto statement (one is required unless --insecure-ignore-subject)
  --type TYPE            the attestation's predicate type: cyclonedx, spdxjson, spdx, slsaprovenance,
                         slsaprovenance02, slsaprovenance1, link, vuln, openvex, custom, or a URI
  --tlog-threshold N     transparency logs whose entries must verify (default 1)
  --ctlog-threshold N    verified SCTs required on a certificate (default 1);
                         --insecure-ignore-sct is --ctlog-threshold 0 (private CAs without CT)
  --timestamp-threshold N  verified times required (SETs + RFC 3161 timestamps, default 1)
  --witness VKEY         a witness's note verifier key; checkpoints must carry --require-witnesses N
                         of their cosignatures (default: all given)
  --json                 the result (with the statement's subjects and predicate type) as JSON
  exit: 0 verified; 1 verification failed (error CODE: message); 2 usage, unreadable or
  unparseable input
  SCRIBA_VERIFY_STREAM_THRESHOLD: artifacts above this many bytes are hashed as a stream
  (default 67108864)
`;

/**
 * Artifacts larger than this are hashed as a stream and verified by digest (override with
 * SCRIBA_VERIFY_STREAM_THRESHOLD, in bytes).
 */
export const STREAM_THRESHOLD = 64 * 1024 * 1024;

function streamThreshold(): number {
  return envVerifyStreamThreshold(STREAM_THRESHOLD);
}

type Outcome = { exit: number; code: string; message: string; field?: string };

class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(json: boolean, o: Outcome): number {
  if (json)
    process.stdout.write(
      `${JSON.stringify({ verified: false, error: { code: o.code, message: o.message, field: o.field } })}\n`,
    );
  else process.stderr.write(`error ${o.code}: ${o.message}\n${o.code === 'USAGE' ? USAGE : ''}`);
  return o.exit;
}

async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new InputError(
      'INPUT_UNREADABLE',
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
}

function regexp(source: string, flag: string): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    throw new InputError('USAGE', `${flag}: invalid regular expression: ${(e as Error).message}`);
  }
}

type Args = {
  bundle: string;
  artifact?: string;
  digest?: string;
  trustedRoot: string;
  key?: string;
  policy?: IdentityPolicy;
  json: boolean;
  type?: string;
  ignoreSubject: boolean;
  tlogThreshold?: number;
  ctlogThreshold?: number;
  timestampThreshold?: number;
  witnesses: string[];
  requireWitnesses?: number;
};

function parse(argv: string[]): Args {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        bundle: { type: 'string' },
        artifact: { type: 'string' },
        digest: { type: 'string' },
        'trusted-root': { type: 'string' },
        key: { type: 'string' },
        'certificate-identity': { type: 'string' },
        'certificate-identity-regexp': { type: 'string' },
        'certificate-oidc-issuer': { type: 'string' },
        'certificate-oidc-issuer-regexp': { type: 'string' },
        json: { type: 'boolean', default: false },
        type: { type: 'string' },
        'insecure-ignore-subject': { type: 'boolean', default: false },
        'tlog-threshold': { type: 'string' },
        'ctlog-threshold': { type: 'string' },
        'insecure-ignore-sct': { type: 'boolean', default: false },
        'timestamp-threshold': { type: 'string' },
        witness: { type: 'string', multiple: true },
        'require-witnesses': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new InputError('USAGE', (e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  const str = (k: string) => values[k] as string | undefined;
  const bundle = str('bundle');
  const trustedRoot = str('trusted-root');
  if (!bundle) throw new InputError('USAGE', '--bundle is required');
  if (!trustedRoot) throw new InputError('USAGE', '--trusted-root is required');
  if (str('artifact') !== undefined && str('digest') !== undefined) {
    throw new InputError('USAGE', '--artifact and --digest are mutually exclusive');
  }
  const signerFlags = ['key', 'certificate-identity', 'certificate-identity-regexp'].filter(
    (k) => str(k) !== undefined,
  );
  if (signerFlags.length !== 1) {
    throw new InputError(
      'USAGE',
      'exactly one of --key, --certificate-identity, --certificate-identity-regexp is required',
    );
  }
  const issuerFlags = ['certificate-oidc-issuer', 'certificate-oidc-issuer-regexp'].filter(
    (k) => str(k) !== undefined,
  );
  if (issuerFlags.length > 1) throw new InputError('USAGE', 'give at most one OIDC issuer flag');
  if (issuerFlags.length === 1 && str('key') !== undefined) {
    throw new InputError('USAGE', '--certificate-oidc-issuer* applies to certificate identities, not --key');
  }
  if (str('type') !== undefined) {
    try {
      predicateTypeUri(str('type') as string);
    } catch (e) {
      throw new InputError('USAGE', `--type: ${(e as Error).message}`);
    }
  }
  if (values['insecure-ignore-sct'] === true && str('ctlog-threshold') !== undefined) {
    throw new InputError('USAGE', '--insecure-ignore-sct and --ctlog-threshold are mutually exclusive');
  }
  const args: Args = {
    bundle,
    trustedRoot,
    json: values.json === true,
    ignoreSubject: values['insecure-ignore-subject'] === true,
    witnesses: (values.witness as string[] | undefined) ?? [],
  };
  if (str('type') !== undefined) args.type = str('type') as string;
  const tlog = count(str('tlog-threshold'), '--tlog-threshold');
  if (tlog !== undefined) args.tlogThreshold = tlog;
  const ctlog =
    values['insecure-ignore-sct'] === true ? 0 : count(str('ctlog-threshold'), '--ctlog-threshold');
  if (ctlog !== undefined) args.ctlogThreshold = ctlog;
  const ts = count(str('timestamp-threshold'), '--timestamp-threshold');
  if (ts !== undefined) args.timestampThreshold = ts;
  const rw = count(str('require-witnesses'), '--require-witnesses');
  if (rw !== undefined) args.requireWitnesses = rw;
  if (str('artifact') !== undefined) args.artifact = str('artifact') as string;
  if (str('digest') !== undefined) args.digest = str('digest') as string;
  if (str('key') !== undefined) args.key = str('key') as string;
  else {
    const policy: IdentityPolicy = {};
    const id = str('certificate-identity');
    const idRe = str('certificate-identity-regexp');
    const iss = str('certificate-oidc-issuer');
    const issRe = str('certificate-oidc-issuer-regexp');
    if (id !== undefined) policy.subjectAlternativeName = id;
    if (idRe !== undefined) policy.subjectAlternativeName = regexp(idRe, '--certificate-identity-regexp');
    if (iss !== undefined) policy.issuer = iss;
    if (issRe !== undefined) policy.issuer = regexp(issRe, '--certificate-oidc-issuer-regexp');
    args.policy = policy;
  }
  return args;
}

function parseDigest(sv: string) {
  try {
    return parseDigestArg(sv);
  } catch (e) {
    throw new InputError('USAGE', (e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha384' | 'sha512'): Promise<Uint8Array> {
  try {
    return await hashFileShared(path, algorithm);
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', describeError(e).message);
  }
}

function count(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(v))
    throw new InputError('USAGE', `${flag} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

async function load(args: Args) {
  const bundleBytes = await readInput(args.bundle, 'bundle');
  let bundle: ReturnType<typeof parseBundle>;
  try {
    bundle = parseBundle(bundleBytes);
  } catch (e) {
    // Unparseable JSON is an input error (2); a JSON bundle that fails validation is a failed check (1).
    if (isVerificationError(e, 'BUNDLE_PARSE_ERROR'))
      throw new InputError(e.code, `${args.bundle}: ${e.message}`);
    throw e;
  }
  let trustMaterial: TrustMaterial;
  const rootBytes = await readInput(args.trustedRoot, 'trusted root');
  try {
    trustMaterial = prepareTrustMaterial(rootBytes);
  } catch (e) {
    throw new InputError('TRUSTED_ROOT_INVALID', `${args.trustedRoot}: ${(e as Error).message}`);
  }
  let publicKey: PublicKey | undefined;
  if (args.key !== undefined) {
    const text = new TextDecoder().decode(await readInput(args.key, 'key'));
    try {
      publicKey = parsePublicKey(text);
    } catch (e) {
      throw new InputError('PUBLIC_KEY_INVALID', `${args.key}: ${(e as Error).message}`);
    }
  }
  const options: VerifyBundleOptions = { trustMaterial };
  if (args.tlogThreshold !== undefined) options.tlogThreshold = args.tlogThreshold;
  if (args.ctlogThreshold !== undefined) options.ctlogThreshold = args.ctlogThreshold;
  if (args.timestampThreshold !== undefined) options.timestampThreshold = args.timestampThreshold;
  let witnesses: WitnessPolicy | undefined;
  try {
    witnesses = await witnessPolicy(args.witnesses, args.requireWitnesses);
  } catch (e) {
    throw new InputError('USAGE', describeError(e).message);
  }
  if (witnesses) options.witnesses = witnesses;
  if (publicKey) options.publicKey = publicKey;
  if (args.policy) options.policy = args.policy;
  if (args.digest !== undefined) options.artifactDigest = parseDigest(args.digest);
  if (args.artifact !== undefined) {
    let size: number;
    try {
      size = (await stat(args.artifact)).size;
    } catch (e) {
      throw new InputError(
        'INPUT_UNREADABLE',
        `cannot read artifact ${args.artifact}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
    if (size <= streamThreshold()) {
      options.artifact = await readInput(args.artifact, 'artifact');
    } else {
      const algorithm =
        bundle.content.kind === 'messageSignature'
          ? (bundle.content.messageDigest?.algorithm ?? 'sha256')
          : 'sha256';
      options.artifactDigest = { algorithm, digest: await hashFile(args.artifact, algorithm) };
    }
  }
  // An attestation: the statement is read (and its predicate type checked) by the SDK; its subject
  // must be named unless the user waives it explicitly.
  let statement: Statement | undefined;
  if (bundle.content.kind === 'dsseEnvelope' && bundle.content.payloadType === IN_TOTO_PAYLOAD_TYPE) {
    statement = parseStatement(bundle.content.payload);
    if (args.artifact === undefined && args.digest === undefined && !args.ignoreSubject) {
      throw new InputError(
        'SUBJECT_REQUIRED',
        'an in-toto attestation verifies against its subject: give --artifact or --digest (or --insecure-ignore-subject)',
      );
    }
  } else if (args.type !== undefined) {
    throw new VerificationError(
      'PREDICATE_TYPE_MISMATCH',
      `--type ${args.type}: the bundle holds no in-toto statement`,
    );
  }
  return { bundle, options, statement };
}

function toJson(r: VerificationResult, statement?: Statement): unknown {
  const out = JSON.parse(
    JSON.stringify(r, (_k, v) => {
      if (v instanceof Uint8Array) return base64Encode(v);
      if (typeof v === 'bigint') return v.toString();
      return v;
    }),
    (k, v) =>
      k === 'publicKey' && v && typeof v === 'object' && 'spki' in v ? (v as { spki: string }).spki : v,
  ) as Record<string, unknown>;
  if (statement) {
    out.statement = {
      type: statement.type,
      predicateType: statement.predicateType,
      subjects: statement.subjects,
    };
  }
  return out;
}

function summary(path: string, r: VerificationResult, statement?: Statement): string {
  const who =
    r.signer.type === 'certificate'
      ? `certificate for ${r.signer.subjectAlternativeName ?? '(no SAN)'}${r.signer.issuer ? ` (issuer ${r.signer.issuer})` : ''}`
      : `key sha256:${hexEncode(new Uint8Array(nodeCrypto.createHash('sha256').update(r.signer.publicKey.spki).digest()))}`;
  const logs = r.tlogEntries.map((e) => `${e.baseUrl || e.logId}#${e.logIndex}`).join(', ');
  const times = r.timestamps.map((t) => new Date(t.time).toISOString()).join(', ');
  const att = statement
    ? `; statement ${statement.predicateType} about ${statement.subjects.map((x) => x.name || Object.values(x.digest)[0]).join(', ')}`
    : '';
  return `verified ${path}: signed by ${who}; logged in ${logs || 'no log'}; time ${times || 'none'}${att}\n`;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const json = argv.includes('--json');
  let args: Args;
  try {
    args = parse(argv);
  } catch (e) {
    const err = e as InputError;
    return fail(json, { exit: 2, code: err.code, message: err.message });
  }
  try {
    const { bundle, options, statement } = await load(args);
    const result = await verifyBundle(bundle, options);
    if (args.type !== undefined && statement) verifyPredicateType(statement, args.type);
    if (args.json)
      process.stdout.write(`${JSON.stringify({ verified: true, result: toJson(result, statement) })}\n`);
    else process.stdout.write(summary(args.bundle, result, statement));
    return 0;
  } catch (e) {
    if (e instanceof InputError) return fail(args.json, { exit: 2, code: e.code, message: e.message });
    if (isVerificationError(e)) {
      return fail(args.json, {
        exit: 1,
        code: e.code,
        message: e.message,
        ...(e.field !== undefined ? { field: e.field } : {}),
      });
    }
    return fail(args.json, { exit: 1, code: 'INTERNAL_ERROR', message: String((e as Error)?.message ?? e) });
  }
}
