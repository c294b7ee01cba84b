/**
 * The binding check (GHSA-whqx-f9j3-ch6m). A log entry proves that the log saw *its body*; it says
 * nothing about this bundle unless the body is bound to it. For every entry the verifier accepts:
 *
 * - the body's digest MUST equal the digest of the artifact computed by the verifier (hashedrekord),
 *   or for DSSE the payload hash (dsse, intoto) MUST be that of this envelope's payload, and for
 *   Rekor v2 hashedrekord 0.0.2 over DSSE the digest MUST be that of the PAE;
 * - the body's key or certificate MUST equal the bundle's verification material (DER bytes);
 * - the body's signature MUST equal the bundle's signature (byte for byte).
 *
 * Checked in that order: BINDING_DIGEST_MISMATCH, BINDING_KEY_MISMATCH, BINDING_SIGNATURE_MISMATCH.
 * Each kind's rule lives in its folder (entries/kinds/<kind>-<version>); this step dispatches through
 * the registry and fails closed: a body of a kind the registry does not know (or the table does not
 * let the verifier accept) is BINDING_KIND_UNSUPPORTED, never skipped.
 */
import type { Bundle } from '../bundle/types.js';
import { entryKindOf, type RekorBody } from '../entries/kinds/registry.js';
import type { Artifact } from './artifact.js';
import { VerificationError } from './errors.js';
import type { Signer } from './signer.js';

/** Checks that `body` is about this bundle: digest, then key, then signature. */
export function verifyBinding(body: RekorBody, bundle: Bundle, signer: Signer, artifact: Artifact): void {
  const kind = (body as { kind?: unknown })?.kind;
  const apiVersion = (body as { apiVersion?: unknown })?.apiVersion;
  const def =
    typeof kind === 'string' && typeof apiVersion === 'string'
      ? entryKindOf(kind, apiVersion, 'verify')
      : undefined;
  if (!def) {
    throw new VerificationError(
      'BINDING_KIND_UNSUPPORTED',
      `the log entry is of a kind the binding check does not know (${String(kind)} ${String(apiVersion)})`,
    );
  }
  def.bind(body, { content: bundle.content, signer, artifact });
}
