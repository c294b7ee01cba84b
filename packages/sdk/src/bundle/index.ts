/**
 * Sigstore bundle (v0.1–v0.3) and TrustedRoot parsing and validation (sigstore protobuf-specs,
 * protobuf-JSON).
 */
export { parseBundle, parseTlogEntryJson } from './bundle.js';
export {
  encodeStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  PREDICATE_TYPES,
  parseStatement,
  predicateTypeUri,
  type Statement,
  type StatementSubject,
  verifyPredicateType,
} from './intoto.js';
export { decodeProtoBytes } from './protojson.js';
export {
  assembleBundle,
  BUNDLE_V03_MEDIA_TYPE,
  bundleToJson,
  tlogEntryFromRekorV1,
  tlogEntryFromRekorV2,
  tlogEntryToJson,
} from './serialize.js';
export {
  type LogShardKey,
  publicKeyDetails,
  shardedLogInstances,
  TRUSTED_ROOT_MEDIA_TYPE,
  transparencyLogInstanceToJson,
} from './sharded-log.js';
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
