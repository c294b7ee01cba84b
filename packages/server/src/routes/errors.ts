/**
 * Shared error responses of the routes (Rekor's Error shape, see openapi.yaml components): the given
 * 4xx statuses plus every 5xx (500 server fault, 503 database unavailable).
 */
export function errorResponses(...codes: number[]): Record<string, { $ref: string }> {
  const out: Record<string, { $ref: string }> = Object.fromEntries(
    codes.filter((c) => c < 500).map((c) => [String(c), { $ref: 'Error#' }]),
  );
  out['5xx'] = { $ref: 'Error#' };
  return out;
}
