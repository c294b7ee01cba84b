/** Synthetic leaves and validated entries for log-layer tests (no signature checks involved). */
import { randomBytes } from 'node:crypto';
import { hashLeaf } from '@scriba/sdk/merkle';
import type { ValidatedEntry } from '../src/entries/index.js';

export function leafHashes(n: number, salt = 'leaf'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`${salt}-${i}`)));
}

export function fakeEntry(tag: string = randomBytes(12).toString('hex')): ValidatedEntry {
  const body = new TextEncoder().encode(JSON.stringify({ apiVersion: '0.0.1', kind: 'test', spec: { tag } }));
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    body,
    leafHash: hashLeaf(body),
    searchKeys: {
      sha256Digests: [`sha256:${'ab'.repeat(32)}`],
      publicKeyFingerprints: [],
      emails: [],
      subjects: [],
    },
  };
}
