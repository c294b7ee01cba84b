/**
 * Real proposed entries for tests: hashedrekord 0.0.1 entries signed with node:crypto (ECDSA P-256
 * over the artifact, verified by the server against the artifact's SHA-256 digest), as signing tools
 * send them (Rekor v1 `ProposedEntry`), and Rekor v2 `hashedRekordRequestV002` requests.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';

export type Signer = { privateKey: KeyObject; publicKeyPem: string };

export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function hashedRekord(
  signer: Signer,
  artifact: Uint8Array = randomBytes(32),
): Record<string, unknown> {
  const digest = createHash('sha256').update(artifact).digest('hex');
  const signature = sign('sha256', artifact, signer.privateKey).toString('base64');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digest } },
      signature: {
        content: signature,
        publicKey: { content: Buffer.from(signer.publicKeyPem).toString('base64') },
      },
    },
  };
}

export async function postEntry(url: string, entry: unknown): Promise<Response> {
  return fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(entry),
  });
}

/** A Rekor v2 `hashedRekordRequestV002` (protobuf JSON) signed by `signer` over `artifact`. */
export function hashedRekordV2(
  signer: Signer,
  artifact: Uint8Array = randomBytes(32),
): Record<string, unknown> {
  const spki = createPublicKey(signer.publicKeyPem).export({ type: 'spki', format: 'der' });
  return {
    hashedRekordRequestV002: {
      digest: createHash('sha256').update(artifact).digest('base64'),
      signature: {
        content: sign('sha256', artifact, signer.privateKey).toString('base64'),
        verifier: { publicKey: { rawBytes: spki.toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
      },
    },
  };
}

export async function postEntryV2(url: string, request: unknown): Promise<Response> {
  return fetch(`${url}/api/v2/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
}
