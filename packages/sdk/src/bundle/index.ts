/**
 * Sigstore bundle (v0.1–v0.3) and TrustedRoot parsing and validation (sigstore protobuf-specs,
 * protobuf-JSON).
 */
export { parseBundle } from './bundle.js';
export { decodeProtoBytes } from './protojson.js';
export {
  activeServices,
  parseSigningConfig,
  type ServiceSelector,
  SIGNING_CONFIG_MEDIA_TYPE,
  type SigningConfig,
  type SigningService,
} from './signing-config.js';
export { parseTime, parseTrustedRoot, windowContains } from './trusted-root.js';
export type * from './types.js';
