/**
 * sigstore-conformance bundle-verify (../../../test/vectors/sigstore-conformance, commit a73de49): all 70
 * cases. Each case passes or fails as its directory name says, and every `_fail` case fails with
 * the VerificationError code its README intends (table below), not by accident.
 */
import { describe, expect, it } from 'vitest';
import { isVerificationError } from '../src/verify/index.js';
import {
  EXPECTED_FAILURES,
  EXPECTED_FIELDS,
  loadConformanceCases,
  runConformanceCase,
} from './conformance-cases.js';

const cases = loadConformanceCases();

describe('sigstore-conformance bundle-verify', () => {
  it('has all 70 cases, and a code for every _fail case', () => {
    expect(cases).toHaveLength(70);
    const failing = cases.filter((c) => c.name.endsWith('_fail')).map((c) => c.name);
    expect(failing.sort()).toEqual(Object.keys(EXPECTED_FAILURES).sort());
  });

  describe('when the case must verify', () => {
    it.each(cases.filter((c) => !c.name.endsWith('_fail')).map((c) => [c.name, c] as const))(
      '%s',
      async (_n, c) => {
        const r = await runConformanceCase(c);
        expect(r.tlogEntries.length).toBeGreaterThan(0);
      },
    );
  });

  describe('when the case must fail', () => {
    it.each(cases.filter((c) => c.name.endsWith('_fail')).map((c) => [c.name, c] as const))(
      '%s fails with its intended code',
      async (name, c) => {
        let err: unknown;
        try {
          await runConformanceCase(c);
        } catch (e) {
          err = e;
        }
        expect(isVerificationError(err), `${name}: ${String(err)}`).toBe(true);
        expect({ code: (err as { code: string }).code, message: (err as Error).message }).toMatchObject({
          code: EXPECTED_FAILURES[name],
        });
        if (EXPECTED_FIELDS[name] !== undefined)
          expect((err as { field?: string }).field).toBe(EXPECTED_FIELDS[name]);
      },
    );
  });
});
