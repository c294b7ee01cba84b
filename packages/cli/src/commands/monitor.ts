/**
 * `scriba monitor`: follows a tiled transparency log (C2SP tlog-tiles, tlog-checkpoint) and proves it
 * only ever grows (RFC 6962 consistency), then scans the new entries for watched identities, issuers,
 * keys and digests.
 *
 * One round: fetch the checkpoint and verify its signature with the log keys of the trusted root →
 * prove consistency with the last checkpoint this monitor verified (a proof built from the new tree's
 * tiles) → stream the new entries, hash them onto the compact range kept from the previous round and
 * require the result to be the new checkpoint's root (so every entry is in the tree, in order) →
 * report matches → only then write the state file (atomically: temp file + rename).
 *
 * Exit codes: 0 clean; 1 a check failed (bad signature, inconsistency, entries that do not hash into
 * the tree), with the evidence printed (both checkpoints and the failing proof); 2 usage or unreadable
 * input (or an unreachable log); 3 watched items found. With --json, every event is one JSON object
 * on its own stdout line.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { base64Decode, base64Encode, bytesEqual, hexDecode, hexEncode, isScribaError } from '@scriba/sdk';
import { parseTrustedRoot } from '@scriba/sdk/bundle';
import { parsePublicKey, pemDecode } from '@scriba/sdk/crypto';
import { type BodyVerifier, parseEntryBody, type RekorBody } from '@scriba/sdk/entries';
import { CompactRange, hashLeaf, verifyConsistency } from '@scriba/sdk/merkle';
import { type NoteVerifier, noteVerifierFromPublicKey, parseNote, parseVerifierKey } from '@scriba/sdk/note';
import { type FetchLike, TileClient, type VerifiedCheckpoint } from '@scriba/sdk/tiles/client';
import { fulcioIssuer, parseCertificate } from '@scriba/sdk/x509';
import { parseCommandArgs } from '../args.js';

/** What the monitor remembers between rounds (the state file, JSON). */
export type MonitorState = {
  origin: string;
  size: number;
  /** base64 */
  rootHash: string;
  /** The full signed checkpoint that was verified. */
  checkpoint: string;
  /** base64 hashes of the compact range of the verified tree (rangeNodes(size), left to right). */
  range: string[];
};

export type Watch = {
  identities: RegExp[];
  issuers: RegExp[];
  /** DER SPKI of watched keys. */
  keys: Uint8Array[];
  /** watched sha256 digests (lower-case hex). */
  digests: string[];
};

export type MonitorEvent = Record<string, unknown> & { event: string };

export type MonitorOptions = {
  /** tlog-tiles prefix, e.g. http://host:3000/api/v2 */
  tilesUrl: string;
  verifiers: (checkpointText: string) => Promise<NoteVerifier[]>;
  statePath?: string;
  watch: Watch;
  emit: (e: MonitorEvent) => void;
  fetch?: FetchLike;
  /** Minimum milliseconds between progress events (default 1000). */
  progressEveryMs?: number;
};

/** Round outcome: exit code plus the number of matches. */
export type RoundResult = { exit: 0 | 1 | 2 | 3; matches: number; size?: number };

async function readState(path: string | undefined): Promise<MonitorState | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const s = JSON.parse(text) as MonitorState;
  if (
    typeof s.origin !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    typeof s.rootHash !== 'string' ||
    typeof s.checkpoint !== 'string' ||
    !Array.isArray(s.range)
  ) {
    throw new Error(`state file ${path} is malformed`);
  }
  return s;
}

async function writeState(path: string, s: MonitorState): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

function errorCode(e: unknown): string {
  if (isScribaError(e)) return e.code;
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : 'ERROR';
}

/** Subject alternative names and Fulcio issuer of a DER certificate (best effort; never throws). */
export function certificateIdentity(der: Uint8Array): { sans: string[]; issuer?: string; spki?: Uint8Array } {
  try {
    const cert = new X509Certificate(der);
    const sans = (cert.subjectAltName ?? '')
      .split(/,\s*/)
      .map((s) => s.replace(/^(email|URI|DNS|IP Address|othername):\s*/i, '').trim())
      .filter((s) => s.length > 0);
    const spki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
    const issuer = issuerOf(der);
    return issuer === undefined ? { sans, spki } : { sans, issuer, spki };
  } catch {
    return { sans: [] };
  }
}

/** Fulcio's OIDC issuer extension, read with the SDK's X.509 parser (undefined: absent or malformed). */
function issuerOf(der: Uint8Array): string | undefined {
  try {
    return fulcioIssuer(parseCertificate(der));
  } catch {
    return undefined;
  }
}

/** What in `body` matches `watch`: a list of {type, value}. */
export function matchEntry(body: RekorBody, watch: Watch): { type: string; value: string }[] {
  const hits: { type: string; value: string }[] = [];
  const digests: Uint8Array[] = [];
  const verifiers: BodyVerifier[] = [];
  if (body.kind === 'hashedrekord') {
    if (body.digest.algorithm === 'sha256') digests.push(body.digest.value);
    verifiers.push(body.signature.verifier);
  } else {
    if (body.payloadHash.algorithm === 'sha256') digests.push(body.payloadHash.value);
    if ('envelopeHash' in body && body.envelopeHash && body.envelopeHash.algorithm === 'sha256') {
      digests.push(body.envelopeHash.value);
    }
    for (const s of body.signatures) verifiers.push(s.verifier);
  }
  for (const d of digests) {
    const hex = hexEncode(d);
    if (watch.digests.includes(hex)) hits.push({ type: 'digest', value: `sha256:${hex}` });
  }
  for (const v of verifiers) {
    let spki: Uint8Array | undefined = v.type === 'publicKey' ? v.der : undefined;
    if (v.type === 'certificate') {
      const id = certificateIdentity(v.der);
      spki = id.spki;
      for (const san of id.sans) {
        if (watch.identities.some((re) => re.test(san))) hits.push({ type: 'identity', value: san });
      }
      if (id.issuer !== undefined && watch.issuers.some((re) => re.test(id.issuer!))) {
        hits.push({ type: 'issuer', value: id.issuer });
      }
    }
    if (spki && watch.keys.some((k) => bytesEqual(k, spki!)))
      hits.push({ type: 'key', value: base64Encode(spki) });
  }
  return hits;
}

function isWatching(w: Watch): boolean {
  return w.identities.length + w.issuers.length + w.keys.length + w.digests.length > 0;
}

/**
 * One monitoring round. Never throws for log misbehaviour: failures are events and exit code 1;
 * network or input problems are exit code 2.
 */
export async function monitorRound(opts: MonitorOptions): Promise<RoundResult> {
  const { emit } = opts;
  const client = TileClient.http(opts.tilesUrl, opts.fetch ? { fetch: opts.fetch } : {});
  let prev: MonitorState | undefined;
  try {
    prev = await readState(opts.statePath);
  } catch (e) {
    emit({
      event: 'error',
      reason: 'state file unreadable',
      code: errorCode(e),
      message: (e as Error).message,
    });
    return { exit: 2, matches: 0 };
  }

  // 1. The checkpoint and its signature.
  let raw: Uint8Array | undefined;
  try {
    raw = await client.source.get('checkpoint');
  } catch (e) {
    emit({ event: 'error', reason: 'log unreachable', code: errorCode(e), message: (e as Error).message });
    return { exit: 2, matches: 0 };
  }
  if (raw === undefined) {
    emit({ event: 'error', reason: 'log serves no checkpoint', code: 'TILE_NOT_FOUND' });
    return { exit: 2, matches: 0 };
  }
  const text = new TextDecoder().decode(raw);
  let verified: VerifiedCheckpoint;
  try {
    verified = await client.verifyCheckpointText(text, await opts.verifiers(text));
  } catch (e) {
    emit({
      event: 'failure',
      reason: 'checkpoint signature does not verify with the trusted log keys',
      code: errorCode(e),
      evidence: { checkpoint: text, previousCheckpoint: prev?.checkpoint },
    });
    return { exit: 1, matches: 0 };
  }
  const cp = verified.checkpoint;
  emit({ event: 'checkpoint', origin: cp.origin, size: cp.size, rootHash: base64Encode(cp.rootHash) });

  // 2. Consistency with what we verified last time.
  let range = CompactRange.empty();
  if (prev) {
    const evidenceBase = {
      previousCheckpoint: prev.checkpoint,
      checkpoint: text,
      oldSize: prev.size,
      newSize: cp.size,
    };
    const prevRoot = base64Decode(prev.rootHash);
    if (prev.origin !== cp.origin) {
      emit({
        event: 'failure',
        reason: 'checkpoint origin changed',
        code: 'ORIGIN_MISMATCH',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size < prev.size) {
      emit({
        event: 'failure',
        reason: 'the log shrank (rollback)',
        code: 'TREE_SHRANK',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size === prev.size && !bytesEqual(prevRoot, cp.rootHash)) {
      emit({
        event: 'failure',
        reason: 'same tree size, different root hash (fork)',
        code: 'MERKLE_ROOT_MISMATCH',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size > prev.size && prev.size > 0) {
      let proof: Uint8Array[] = [];
      try {
        proof = await client.consistencyProof(prev.size, cp.size);
        verifyConsistency(prev.size, cp.size, proof, prevRoot, cp.rootHash);
      } catch (e) {
        if (errorCode(e) === 'TILE_FETCH_FAILED') {
          emit({
            event: 'error',
            reason: 'log unreachable',
            code: errorCode(e),
            message: (e as Error).message,
          });
          return { exit: 2, matches: 0 };
        }
        emit({
          event: 'failure',
          reason: 'the new checkpoint is not consistent with the previously verified one',
          code: errorCode(e),
          evidence: { ...evidenceBase, proof: proof.map(base64Encode) },
        });
        return { exit: 1, matches: 0 };
      }
      emit({ event: 'consistent', oldSize: prev.size, newSize: cp.size, proof: proof.map(base64Encode) });
    }
    try {
      range = CompactRange.fromHashes(prev.size, prev.range.map(base64Decode));
      if (!bytesEqual(range.root(), prevRoot)) throw new Error('state range does not match its root');
    } catch (e) {
      emit({
        event: 'error',
        reason: 'state file is corrupt',
        code: errorCode(e),
        message: (e as Error).message,
      });
      return { exit: 2, matches: 0 };
    }
  }

  // 3. The new entries: each hashed onto the previous tree must give exactly the new root.
  const start = prev?.size ?? 0;
  const total = cp.size - start;
  const watching = isWatching(opts.watch);
  let matches = 0;
  const t0 = Date.now();
  let lastProgress = t0;
  const every = opts.progressEveryMs ?? 1000;
  try {
    for await (const { index, data } of client.entries(start, cp.size, cp.size)) {
      range.append(hashLeaf(data));
      if (watching) {
        let body: RekorBody | undefined;
        try {
          body = parseEntryBody(data);
        } catch {
          body = undefined; // not a Rekor body we know: nothing to match
        }
        const hits = body ? matchEntry(body, opts.watch) : [];
        if (hits.length > 0) {
          matches++;
          emit({ event: 'match', index, kind: body!.kind, apiVersion: body!.apiVersion, matched: hits });
        }
      }
      const now = Date.now();
      if (now - lastProgress >= every) {
        lastProgress = now;
        const done = index + 1 - start;
        emit({ event: 'progress', done, total, entriesPerSecond: Math.round((done * 1000) / (now - t0)) });
      }
    }
  } catch (e) {
    const code = errorCode(e);
    if (code === 'TILE_FETCH_FAILED') {
      emit({ event: 'error', reason: 'log unreachable', code, message: (e as Error).message });
      return { exit: 2, matches };
    }
    emit({
      event: 'failure',
      reason: 'entries could not be read as the checkpoint requires',
      code,
      evidence: { previousCheckpoint: prev?.checkpoint, checkpoint: text },
    });
    return { exit: 1, matches };
  }
  const root = range.root();
  if (!bytesEqual(root, cp.rootHash)) {
    emit({
      event: 'failure',
      reason: 'the entries served do not hash into the checkpoint root',
      code: 'MERKLE_ROOT_MISMATCH',
      evidence: {
        previousCheckpoint: prev?.checkpoint,
        checkpoint: text,
        computedRoot: base64Encode(root),
        fromSize: start,
        toSize: cp.size,
      },
    });
    return { exit: 1, matches };
  }
  const elapsed = Date.now() - t0;
  emit({
    event: 'verified',
    size: cp.size,
    newEntries: total,
    seconds: elapsed / 1000,
    entriesPerSecond: elapsed > 0 ? Math.round((total * 1000) / elapsed) : total,
  });

  // 4. Everything passed: persist.
  if (opts.statePath) {
    await writeState(opts.statePath, {
      origin: cp.origin,
      size: cp.size,
      rootHash: base64Encode(cp.rootHash),
      checkpoint: text,
      range: range.hashes().map(base64Encode),
    });
  }
  return { exit: matches > 0 ? 3 : 0, matches, size: cp.size };
}

/**
 * Note verifiers for a checkpoint from a trusted root: every tlog key (those whose baseUrl matches
 * `url` when any does), under every signature name the note carries (the key hash still has to
 * match), plus explicit `vkeys`.
 */
export function trustedRootVerifiers(
  trustedRootJson: string,
  url: string,
  vkeys: string[],
): (text: string) => Promise<NoteVerifier[]> {
  const root = parseTrustedRoot(trustedRootJson);
  const norm = (u: string) => u.replace(/\/+$/, '').replace(/\/api\/v[12]$/, '');
  const matching = root.tlogs.filter((t) => norm(t.baseUrl) === norm(url));
  const logs = matching.length > 0 ? matching : root.tlogs;
  const keys = logs.flatMap((t) => {
    try {
      return [parsePublicKey(t.publicKey)];
    } catch {
      return [];
    }
  });
  return async (text: string) => {
    const names = new Set<string>();
    try {
      for (const s of parseNote(text).signatures) names.add(s.name);
    } catch {
      // verification will report the malformed note
    }
    const out: NoteVerifier[] = [];
    for (const name of names) for (const k of keys) out.push(await noteVerifierFromPublicKey(name, k));
    for (const v of vkeys) out.push(await parseVerifierKey(v));
    return out;
  };
}

const USAGE = `usage: scriba monitor --url URL --trusted-root FILE [--state FILE] [--once | --interval 60s]
       [--watch-identity RE]... [--watch-issuer RE]... [--watch-key FILE]... [--watch-digest sha256:HEX]...
       [--vkey VERIFIER_KEY]... [--json]
`;

function parseInterval(s: string): number {
  const m = /^([0-9]+)(ms|s|m|h)?$/.exec(s);
  if (!m) throw new Error(`bad --interval '${s}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

function humanLine(e: MonitorEvent): string {
  switch (e.event) {
    case 'checkpoint':
      return `checkpoint ${e.origin} size ${e.size} root ${e.rootHash} (signature verified)`;
    case 'consistent':
      return `consistent: ${e.oldSize} -> ${e.newSize} (proof of ${(e.proof as string[]).length} hashes verified)`;
    case 'match':
      return `MATCH entry ${e.index} (${e.kind} ${e.apiVersion}): ${(
        e.matched as { type: string; value: string }[]
      )
        .map((m) => `${m.type}=${m.value}`)
        .join(', ')}`;
    case 'verified':
      return `verified ${e.newEntries} new entries up to size ${e.size} (${e.entriesPerSecond} entries/s)`;
    case 'failure': {
      const ev = e.evidence as Record<string, unknown> | undefined;
      const parts = [`FAILURE [${e.code}]: ${e.reason}`];
      if (ev) {
        if (ev.previousCheckpoint)
          parts.push(`--- previously verified checkpoint:\n${ev.previousCheckpoint}`);
        if (ev.checkpoint) parts.push(`--- new checkpoint:\n${ev.checkpoint}`);
        if (Array.isArray(ev.proof))
          parts.push(`--- consistency proof ${ev.oldSize} -> ${ev.newSize}:\n${ev.proof.join('\n')}`);
        if (ev.computedRoot) parts.push(`--- root computed from the entries: ${ev.computedRoot}`);
      }
      return parts.join('\n');
    }
    case 'error':
      return `error [${e.code}]: ${e.reason}${e.message ? `: ${e.message}` : ''}`;
    default:
      return JSON.stringify(e);
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      url: { type: 'string' },
      'trusted-root': { type: 'string' },
      state: { type: 'string' },
      once: { type: 'boolean' },
      interval: { type: 'string' },
      'watch-identity': { type: 'string', multiple: true },
      'watch-issuer': { type: 'string', multiple: true },
      'watch-key': { type: 'string', multiple: true },
      'watch-digest': { type: 'string', multiple: true },
      vkey: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    'error',
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed;
  const url = values.url as string | undefined;
  const trPath = values['trusted-root'] as string | undefined;
  if (!url || (!trPath && !(values.vkey as string[] | undefined)?.length)) {
    process.stderr.write(`error: --url and --trusted-root are required\n${USAGE}`);
    return 2;
  }
  let intervalMs: number | undefined;
  let watch: Watch;
  let verifiers: (text: string) => Promise<NoteVerifier[]>;
  try {
    if (values.interval !== undefined && !values.once) intervalMs = parseInterval(values.interval as string);
    const keys: Uint8Array[] = [];
    for (const f of (values['watch-key'] as string[] | undefined) ?? []) {
      const text = await readFile(f, 'utf8');
      const der = text.includes('-----BEGIN') ? pemDecode(text).der : base64Decode(text.trim());
      keys.push(parsePublicKey(der).spki);
    }
    const digests = ((values['watch-digest'] as string[] | undefined) ?? []).map((d) => {
      const m = /^sha256:([0-9a-fA-F]{64})$/.exec(d);
      if (!m) throw new Error(`--watch-digest must be sha256:<64 hex>, got '${d}'`);
      hexDecode(m[1]!.toLowerCase());
      return m[1]!.toLowerCase();
    });
    watch = {
      identities: ((values['watch-identity'] as string[] | undefined) ?? []).map((r) => new RegExp(r)),
      issuers: ((values['watch-issuer'] as string[] | undefined) ?? []).map((r) => new RegExp(r)),
      keys,
      digests,
    };
    const trJson = trPath
      ? await readFile(trPath, 'utf8')
      : '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[]}';
    verifiers = trustedRootVerifiers(trJson, url, (values.vkey as string[] | undefined) ?? []);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const json = values.json === true;
  const tty = !json && process.stderr.isTTY === true;
  const emit = (e: MonitorEvent) => {
    if (json) {
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
      return;
    }
    if (e.event === 'progress') {
      const line = `catching up: ${e.done}/${e.total} entries (${e.entriesPerSecond}/s)`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
      return;
    }
    if (tty) process.stderr.write('\r\x1b[K');
    const out = e.event === 'failure' || e.event === 'error' ? process.stderr : process.stdout;
    out.write(`${humanLine(e)}\n`);
  };
  const base = url.replace(/\/+$/, '');
  const tilesUrl = /\/api\/v2$/.test(base) ? base : `${base}/api/v2`;
  const round = () =>
    monitorRound({
      tilesUrl,
      verifiers,
      watch,
      emit,
      ...(values.state ? { statePath: values.state as string } : {}),
    });
  if (intervalMs === undefined) return (await round()).exit;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let found = false;
  while (!stop) {
    const r = await round();
    if (r.exit === 1) return 1;
    if (r.exit === 3) found = true;
    const until = Date.now() + intervalMs;
    while (!stop && Date.now() < until)
      await new Promise((res) => setTimeout(res, Math.min(250, until - Date.now())));
  }
  return found ? 3 : 0;
}
