/**
 * A sigstore-js Signer (@sigstore/sign) over a node:crypto key (ECDSA P-256, SHA-256), identified by
 * a public-key hint, for the interop tests. Signatures are memoized per input so that signing the
 * same artifact twice yields the same proposed entry (ECDSA is randomized), which is what exercises
 * the log's duplicate path.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import type { Signer } from '@sigstore/sign';

export class LocalKeySigner implements Signer {
  readonly publicKeyPem: string;
  readonly hint: string;
  private readonly memo = new Map<string, Buffer>();

  constructor(
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    this.hint = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
  }

  async sign(data: Buffer) {
    const k = createHash('sha256').update(data).digest('hex');
    let signature = this.memo.get(k);
    if (!signature) {
      signature = sign('sha256', data, this.privateKey);
      this.memo.set(k, signature);
    }
    return { signature, key: { $case: 'publicKey' as const, publicKey: this.publicKeyPem, hint: this.hint } };
  }
}
