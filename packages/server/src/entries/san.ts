/**
 * Subject alternative names (RFC 5280 §4.2.1.6) of a certificate, from node's
 * `X509Certificate.subjectAltName` text: `TYPE:value` items joined by ", ", where a value holding
 * a delimiter or quote is written as a JSON string (node >= 17.3.1 / 16.13.2 escaping, which closed
 * the SAN-injection hole of the plain format). Rekor indexes e-mail addresses (lower-cased) and all
 * SANs as subjects.
 */

export type SanEntry = { type: string; value: string };

/** Parses node's subjectAltName text; unparsable remainders are dropped (search keys only). */
export function parseSubjectAltName(text: string | undefined): SanEntry[] {
  const out: SanEntry[] = [];
  if (!text) return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      // JSON string: find the closing quote that is not escaped.
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        break;
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      value = text.slice(j, end < 0 ? text.length : end);
      j = end < 0 ? text.length : end;
    }
    out.push({ type, value });
    if (text.startsWith(', ', j)) j += 2;
    i = j;
  }
  return out;
}

/** Rekor's index keys of a certificate: lower-cased e-mails, and every name as a subject. */
export function sanSearchKeys(text: string | undefined): { emails: string[]; subjects: string[] } {
  const emails: string[] = [];
  const subjects: string[] = [];
  for (const { type, value } of parseSubjectAltName(text)) {
    if (type === 'email') {
      emails.push(value.toLowerCase());
      subjects.push(value.toLowerCase());
    } else if (type === 'URI' || type === 'DNS' || type === 'IP Address') {
      subjects.push(value);
    }
  }
  return { emails, subjects };
}
