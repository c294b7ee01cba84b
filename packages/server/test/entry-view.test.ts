import { canonicalJson } from '@scriba/sdk/crypto';
import { describe, expect, it } from 'vitest';
import { entryUuid, setPayload } from '../src/routes/v1/entry-view.js';

describe('setPayload', () => {
  describe('when given base64, hex and safe integers', () => {
    it.each([
      ['', 0, '00', 0],
      ['eyJhIjoxfQ==', 1_700_000_000, 'ab'.repeat(32), 123_456],
      ['+/+/AAAA', Number.MAX_SAFE_INTEGER, 'f'.repeat(64), Number.MAX_SAFE_INTEGER],
    ])('matches RFC 8785 JSON of the SET payload (%#)', (body, integratedTime, logID, logIndex) => {
      expect(setPayload(body, integratedTime, logID, logIndex)).toBe(
        canonicalJson({ logIndex, logID, integratedTime, body }),
      );
    });
  });
});

describe('entryUuid', () => {
  describe('when the tree ID changes between calls', () => {
    it.each([
      ['1', '0000000000000001'],
      ['9223372036854775807', '7fffffffffffffff'],
      ['255', '00000000000000ff'],
    ])('prefixes the 16-hex tree ID %s', (treeId, prefix) => {
      const leaf = new Uint8Array(32).fill(0xab);
      expect(entryUuid(treeId, leaf)).toBe(prefix + 'ab'.repeat(32));
    });
  });
});
