/**
 * A test-only DER tree editor for mutation tests: parse a DER value into nodes (constructed tags
 * into children, primitives as bytes), change a node found by its child-index path, re-encode with
 * lengths recomputed. It reads lengths leniently (it has to read what it is about to break) and
 * writes minimal definite lengths.
 */
export type DerNode = { tag: number; value: Uint8Array; children?: DerNode[] };

function readLength(b: Uint8Array, p: number): { len: number; at: number } {
  const first = b[p] as number;
  if (first < 0x80) return { len: first, at: p + 1 };
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (b[p + 1 + i] as number);
  return { len, at: p + 1 + n };
}

export function parseDer(b: Uint8Array): DerNode {
  const nodes = parseAll(b);
  if (nodes.length !== 1) throw new Error(`expected one TLV, got ${nodes.length}`);
  return nodes[0] as DerNode;
}

function parseAll(b: Uint8Array): DerNode[] {
  const out: DerNode[] = [];
  let p = 0;
  while (p < b.length) {
    const tag = b[p] as number;
    const { len, at } = readLength(b, p + 1);
    const value = b.slice(at, at + len);
    out.push((tag & 0x20) !== 0 ? { tag, value, children: parseAll(value) } : { tag, value });
    p = at + len;
  }
  return out;
}

export function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export function encodeDer(n: DerNode): Uint8Array {
  const value = n.children ? concat(n.children.map(encodeDer)) : n.value;
  return new Uint8Array([n.tag, ...lengthBytes(value.length), ...value]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The node at a child-index path. */
export function at(root: DerNode, path: number[]): DerNode {
  let n = root;
  for (const i of path) {
    const c = n.children?.[i];
    if (!c) throw new Error(`no child ${i} on path ${path.join('/')}`);
    n = c;
  }
  return n;
}

export function clone(n: DerNode): DerNode {
  return n.children ? { tag: n.tag, value: n.value, children: n.children.map(clone) } : { ...n };
}

/** A primitive node. */
export const prim = (tag: number, bytes: number[] | Uint8Array): DerNode => ({
  tag,
  value: new Uint8Array(bytes),
});

/** A constructed node. */
export const cons = (tag: number, children: DerNode[]): DerNode => ({
  tag,
  value: new Uint8Array(),
  children,
});

/** An OBJECT IDENTIFIER node from dotted form. */
export function oid(dotted: string): DerNode {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (v: number) => {
    const bytes = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) bytes.unshift((x & 0x7f) | 0x80);
    out.push(...bytes);
  };
  push((arcs[0] as number) * 40 + (arcs[1] as number));
  for (const a of arcs.slice(2)) push(a);
  return prim(0x06, out);
}

/** An encoding as a node whose children are re-parsed (to embed a DER value as a subtree). */
export const node = (der: Uint8Array): DerNode => parseDer(der);
