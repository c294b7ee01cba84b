/**
 * Loads the RFC 6962 proof vectors of transparency-dev/merkle (../../../../test/vectors/transparency-dev-merkle,
 * see its MANIFEST.md for provenance) for table-driven tests. The path is relative to this file so
 * that it resolves from a fresh clone with ../shared beside the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MERKLE_VECTORS_DIR = fileURLToPath(
  new URL('../../../../test/vectors/transparency-dev-merkle/', import.meta.url),
);

export type InclusionVector = {
  name: string;
  leafIdx: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: Uint8Array[];
  root: Uint8Array;
  desc: string;
  wantErr: boolean;
};

export type ConsistencyVector = {
  name: string;
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: Uint8Array[];
  desc: string;
  wantErr: boolean;
};

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

const b64 = (s: unknown): Uint8Array =>
  typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'base64')) : new Uint8Array(0);

function load(kind: 'inclusion' | 'consistency'): [string, Record<string, unknown>][] {
  const dir = join(MERKLE_VECTORS_DIR, 'testdata', kind);
  return jsonFiles(dir).map((f) => [relative(dir, f), JSON.parse(readFileSync(f, 'utf8'))]);
}

export function inclusionVectors(): InclusionVector[] {
  return load('inclusion').map(([name, j]) => ({
    name,
    leafIdx: j.leafIdx as number,
    treeSize: j.treeSize as number,
    leafHash: b64(j.leafHash),
    proof: ((j.proof as string[] | null) ?? []).map(b64),
    root: b64(j.root),
    desc: j.desc as string,
    wantErr: j.wantErr as boolean,
  }));
}

export function consistencyVectors(): ConsistencyVector[] {
  return load('consistency').map(([name, j]) => ({
    name,
    size1: j.size1 as number,
    size2: j.size2 as number,
    root1: b64(j.root1),
    root2: b64(j.root2),
    proof: ((j.proof as string[] | null) ?? []).map(b64),
    desc: j.desc as string,
    wantErr: j.wantErr as boolean,
  }));
}

export type ReferenceTree = { leaves: Uint8Array[]; roots: Uint8Array[] };

export function referenceTree(): ReferenceTree {
  const j = JSON.parse(readFileSync(join(MERKLE_VECTORS_DIR, 'reference-tree.json'), 'utf8')) as {
    leafInputsHex: string[];
    rootHashesHex: string[];
  };
  const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
  return { leaves: j.leafInputsHex.map(hex), roots: j.rootHashesHex.map(hex) };
}
