/** Shared error responses of the routes (Rekor's Error shape, see openapi.yaml components). */
export function errorResponses(...codes: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(codes.map((c) => [c, { $ref: 'Error#' }]));
}
