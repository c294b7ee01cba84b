/**
 * Search-index digests of an in-toto statement (in-toto Statement v0.1/v1 `subject[].digest.sha256`),
 * as Rekor indexes them for dsse and intoto entries: `sha256:<hex>` per subject (the first 1024),
 * none when the payload is not an in-toto statement or does not parse.
 */
import { IN_TOTO_PAYLOAD_TYPE } from '../../bundle/intoto.js';
import { sha256SearchKey } from './rekor-hash.js';

// Lenient on purpose (replacement characters, as node's Buffer#toString): only the subjects matter.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

export function intotoSubjectSearchDigests(payloadType: string, payload: Uint8Array): string[] {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  try {
    const st = JSON.parse(lenient.decode(payload)) as { subject?: unknown };
    if (!Array.isArray(st.subject)) return [];
    const out: string[] = [];
    for (const s of st.subject.slice(0, 1024)) {
      const d = (s as { digest?: Record<string, unknown> } | null)?.digest?.sha256;
      if (typeof d === 'string' && /^[0-9a-fA-F]{64}$/.test(d)) out.push(sha256SearchKey(d));
    }
    return out;
  } catch {
    return [];
  }
}
