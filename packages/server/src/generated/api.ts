// Generated from openapi/openapi.yaml by `npm run gen:api`. Do not edit.
export interface paths {
    "/api/v1/log/entries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An entry and its inclusion proof against the latest checkpoint of its shard, by global index. */
        get: operations["getLogEntryByIndex"];
        put?: never;
        /** Validate a proposed entry, append it to the log, and answer after it is durable. */
        post: operations["createLogEntry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/entries/{entryUUID}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An entry and its inclusion proof, by 64-hex leaf hash or 80-hex EntryUUID.
         * @description An 80-hex EntryUUID names its shard by its first 16 hex digits (the tree ID in hex) and is looked up there only (404 when no shard has that tree ID); a bare 64-hex leaf hash is looked up in every shard.
         */
        get: operations["getLogEntryByUUID"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/entries/retrieve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Up to 10 entries each by UUID, by index, or by proposed entry content.
         * @description Across every shard: `logIndexes` are global indices, `entryUUIDs` are looked up as in GET /api/v1/log/entries/{entryUUID}, `entries` in every shard.
         */
        post: operations["searchLogQuery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/index/retrieve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * EntryUUIDs by artifact digest, public key or certificate, email, or subject.
         * @description Searches every shard (oldest first); each EntryUUID carries the tree ID of the shard that holds the entry.
         */
        post: operations["searchIndex"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The active shard's latest signed checkpoint, root hash, size and tree ID, and the frozen shards.
         * @description The published list of the log's shards (Rekor's shape): the active shard's state at the top level and, in `inactiveShards` (oldest first), every frozen shard's final root hash, size, signed checkpoint and tree ID. A frozen shard's entry is never changed again; its shard's global offset is the sum of the sizes of the shards listed before it.
         */
        get: operations["getLogInfo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/proof": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A consistency proof between two tree sizes of one shard (lastSize defaults to its latest). */
        get: operations["getLogProof"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/publicKey": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The public key (PEM, SubjectPublicKeyInfo) a shard is signed with. */
        get: operations["getPublicKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/trusted-root": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Scriba extension. A Sigstore TrustedRoot (protobuf-specs JSON) listing this log: one tlog entry per key its shards are signed with (shards keeping the key share one entry), each with its validity window, and this server's timestamp authority. */
        get: operations["getTrustedRoot"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/log/signing-config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Scriba extension. A Sigstore SigningConfig (protobuf-specs, media type application/vnd.dev.sigstore.signingconfig.v0.2+json) naming this log as Rekor v1 and v2 (majorApiVersion) and this server's timestamp authority, for `cosign --signing-config` and sigstore clients that choose their services from it. The Rekor v2 service is the active shard (validFor.start = its creation; at a rotation the start moves to the new shard's creation, the URL stays); the Rekor v1 service spans every shard (start = the first shard's creation). */
        get: operations["getSigningConfig"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/timestamp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** RFC 3161 timestamp authority (sigstore/timestamp-authority's API). Takes a DER TimeStampReq or the JSON form sigstore clients send; answers a DER TimeStampResp. Present unless the server runs with SCRIBA_TSA=0. */
        post: operations["createTimestamp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/timestamp/certchain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The timestamp authority's certificate chain (PEM, signing certificate first, root last). */
        get: operations["getTimestampCertChain"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/log/entries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rekor v2 append (hashedRekordRequestV002 only, as rekor-tiles since #744: a dsseRequestV002 gets 400 UNSUPPORTED_KIND; log a DSSE envelope as a hashedRekordRequestV002 over SHA-256 of its PAE with the envelope signature); protobuf-JSON answer. */
        post: operations["createEntryV2"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** C2SP tlog-tiles checkpoint of the active shard (signed note, with any witness cosignatures); after a rotation, the new shard's. */
        get: operations["getCheckpointV2"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/log/vkeys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** C2SP signed-note verifier key(s) of the log's checkpoints: the Ed25519 key of every shard, the active shard's first (one line while every shard kept the key). */
        get: operations["getVerifierKeysV2"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/tile/{tilePath}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** C2SP tlog-tiles tile (`L/N[.p/W]`) or entry bundle (`entries/N[.p/W]`) of the active shard; full ones immutable. */
        get: operations["getTileV2"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/shards/{treeId}/checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The checkpoint of one shard (frozen or active), each shard being a C2SP log of its own under this prefix. A frozen shard's final checkpoint is immutable (`Cache-Control: public, max-age=31536000, immutable`) once every configured witness has cosigned it. */
        get: operations["getShardCheckpointV2"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/shards/{treeId}/tile/{tilePath}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** C2SP tlog-tiles tile (`L/N[.p/W]`) or entry bundle (`entries/N[.p/W]`) of one shard. Everything a frozen shard serves is immutable, partial tiles and bundles too. */
        get: operations["getShardTileV2"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness; the process is serving. */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness; the database answers. */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus text exposition (entries appended, batch sizes, append latency, tree size).
         * @description The counters of the process that answers. Under `scriba serve --workers N` each connection is served by one of N processes, so one scrape sees one worker's counters (the tree size is the log's).
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Rekor's error shape (code = HTTP status) plus a stable reason code and the field at fault. */
        Error: {
            code: number;
            message: string;
            reason?: string;
            field?: string;
        };
        Status: {
            status: string;
            treeSize?: number;
        };
        Hex64: string;
        EntryUUID: string;
        /** @description A Rekor v1 proposed entry. Only the envelope is checked here; the kind-specific spec is validated by the entry validator, whose errors name the field. */
        ProposedEntry: {
            kind: string;
            apiVersion: string;
            spec: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        InclusionProof: {
            /** @description Tree-local index of the entry in its shard (the checkpoint's tree) */
            logIndex: number;
            rootHash: components["schemas"]["Hex64"];
            treeSize: number;
            hashes: components["schemas"]["Hex64"][];
            /** @description C2SP signed checkpoint the proof is based on */
            checkpoint: string;
        };
        LogEntryValue: {
            /** @description base64 of the canonical entry body (RFC 8785 JSON) */
            body: string;
            /** @description Unix seconds */
            integratedTime: number;
            logID: components["schemas"]["Hex64"];
            /** @description Global index (the shard's offset plus the tree-local index); the SET signs it */
            logIndex: number;
            verification: {
                inclusionProof: components["schemas"]["InclusionProof"];
                /** @description base64 ECDSA signature over RFC 8785 JSON of {body, integratedTime, logID, logIndex} */
                signedEntryTimestamp: string;
            };
        };
        /** @description A map from the entry's EntryUUID (80 hex) to the entry. */
        LogEntry: {
            [key: string]: components["schemas"]["LogEntryValue"];
        };
        SearchLogQuery: {
            entryUUIDs?: components["schemas"]["EntryUUID"][];
            logIndexes?: number[];
            entries?: components["schemas"]["ProposedEntry"][];
        };
        SearchIndex: {
            email?: string;
            subject?: string;
            publicKey?: {
                /** @enum {string} */
                format: "pgp" | "x509" | "minisign" | "ssh" | "tuf";
                /** @description base64 of the key or certificate (PEM or DER) */
                content?: string;
                url?: string;
            };
            hash?: string;
            /** @enum {string} */
            operator?: "and" | "or";
        };
        LogInfo: {
            rootHash: components["schemas"]["Hex64"];
            treeSize: number;
            signedTreeHead: string;
            treeID: string;
            /** @description The frozen shards, oldest first (empty before the first rotation). */
            inactiveShards?: components["schemas"]["InactiveShardLogInfo"][];
        };
        /** @description A frozen shard's final state (never changes again). */
        InactiveShardLogInfo: {
            rootHash: components["schemas"]["Hex64"];
            treeSize: number;
            /** @description The shard's final signed checkpoint */
            signedTreeHead: string;
            treeID: string;
        };
        ConsistencyProof: {
            rootHash: components["schemas"]["Hex64"];
            hashes: components["schemas"]["Hex64"][];
        };
        /** @description Sigstore TrustedRoot (protobuf-specs JSON mapping) with one tlog per key of this log. */
        TrustedRoot: {
            mediaType: string;
            tlogs: components["schemas"]["TransparencyLogInstance"][];
            certificateAuthorities: {
                [key: string]: unknown;
            }[];
            ctlogs: {
                [key: string]: unknown;
            }[];
            timestampAuthorities: {
                [key: string]: unknown;
            }[];
        };
        /** @description Sigstore SigningConfig v0.2 (protobuf-specs trustroot JSON mapping). */
        SigningConfig: {
            mediaType: string;
            caUrls: components["schemas"]["SigningService"][];
            oidcUrls: components["schemas"]["SigningService"][];
            rekorTlogUrls: components["schemas"]["SigningService"][];
            rekorTlogConfig: components["schemas"]["ServiceConfiguration"];
            tsaUrls: components["schemas"]["SigningService"][];
            tsaConfig: components["schemas"]["ServiceConfiguration"];
        };
        SigningService: {
            url: string;
            majorApiVersion: number;
            validFor: {
                start: string;
                end?: string;
            };
            operator: string;
        };
        ServiceConfiguration: {
            /** @enum {string} */
            selector: "ALL" | "ANY" | "EXACT";
            count?: number;
        };
        /** @description The JSON timestamp request of sigstore/timestamp-authority. */
        TimestampRequestJson: {
            /** @description base64 digest of the data to timestamp */
            artifactHash: string;
            /** @enum {string} */
            hashAlgorithm: "sha256" | "sha384" | "sha512";
            /** @description optional nonce (integer */
            nonce?: unknown;
            /** @description embed the signing certificate (certReq) */
            certificates?: boolean;
            tsaPolicyOID?: string;
        };
        TransparencyLogInstance: {
            baseUrl: string;
            hashAlgorithm: string;
            publicKey: {
                /** @description base64 DER SubjectPublicKeyInfo */
                rawBytes: string;
                keyDetails: string;
                /** @description When the key signs this log's entries, RFC 3339, whole seconds: start = creation of the first shard with this key; end = freeze time of the last shard with it, absent while the key signs the active shard. Windows of successive keys meet at a rotation. */
                validFor: {
                    start: string;
                    end?: string;
                };
            };
            logId: {
                /** @description base64 SHA-256 of the DER SPKI */
                keyId: string;
            };
        };
        /** @description Rekor v2 CreateEntryRequest (protobuf JSON): exactly one of hashedRekordRequestV002 or dsseRequestV002; validated by the v2 entry validator, whose errors name the field. */
        CreateEntryRequestV2: {
            hashedRekordRequestV002?: {
                [key: string]: unknown;
            };
            dsseRequestV002?: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** @description Sigstore TransparencyLogEntry (protobuf JSON; int64 as strings, bytes as base64). */
        TransparencyLogEntryV2: {
            logIndex: string;
            logId: {
                keyId: string;
            };
            kindVersion: {
                kind: string;
                version: string;
            };
            inclusionProof: {
                logIndex: string;
                rootHash: string;
                treeSize: string;
                hashes: string[];
                checkpoint: {
                    envelope: string;
                };
            };
            canonicalizedBody: string;
        };
    };
    responses: {
        /** @description The request is invalid; the message names the field. */
        BadContent: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The entry already exists; Location points at it. */
        Conflict: {
            headers: {
                /** @description URI of the existing entry */
                Location?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Not found. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The request body is over the configured limit. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Retry later, after `Retry-After` seconds; nothing was logged. Reason `OVERLOADED`: this process already has its limit of appends in progress (SCRIBA_APPEND_QUEUE_MAX); reason `UNAVAILABLE`: the database is unavailable (down, restarting, or not answering in time); reason `SHARD_KEY_MISSING`: this server does not hold the key of the shard involved (the active shard for appends, the entry's shard for reads); its operator must add it to SCRIBA_SHARD_KEYS; reason `SHARD_ROTATING` (appends): the log rotated its shard again and again while the entry's batch was being written. */
        ServiceUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A server fault (never caused by client input). */
        InternalServerError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description A shard's tree id (decimal int64, Rekor's treeID; `scriba shard list`). */
        ShardTreeId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLogEntryByIndex: {
        parameters: {
            query: {
                /** @description The global index (Rekor v1 across shards): the entry's shard's offset plus its tree-local index. The shard holding it is found here, whether frozen or active. */
                logIndex: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The entry. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogEntry"];
                };
            };
            400: components["responses"]["BadContent"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    createLogEntry: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProposedEntry"];
            };
        };
        responses: {
            /** @description The entry was appended; the answer carries its inclusion proof and SET. */
            201: {
                headers: {
                    /** @description UUID of the entry */
                    ETag?: string;
                    /** @description URI of the entry */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogEntry"];
                };
            };
            400: components["responses"]["BadContent"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    getLogEntryByUUID: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                entryUUID: components["schemas"]["EntryUUID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The entry. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogEntry"];
                };
            };
            400: components["responses"]["BadContent"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    searchLogQuery: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SearchLogQuery"];
            };
        };
        responses: {
            /** @description The entries found (missing ones are left out). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogEntry"][];
                };
            };
            400: components["responses"]["BadContent"];
            413: components["responses"]["PayloadTooLarge"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    searchIndex: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SearchIndex"];
            };
        };
        responses: {
            /** @description Zero or more EntryUUIDs. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EntryUUID"][];
                };
            };
            400: components["responses"]["BadContent"];
            413: components["responses"]["PayloadTooLarge"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    getLogInfo: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Log info. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogInfo"];
                };
            };
            default: components["responses"]["InternalServerError"];
        };
    };
    getLogProof: {
        parameters: {
            query?: {
                firstSize?: number;
                lastSize?: number;
                /** @description The shard (frozen or active; default: the active one). A frozen shard's proofs are bounded by its final size; an unknown tree ID is answered 400 (reason UNKNOWN_TREE). */
                treeID?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The proof. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsistencyProof"];
                };
            };
            400: components["responses"]["BadContent"];
            default: components["responses"]["InternalServerError"];
        };
    };
    getPublicKey: {
        parameters: {
            query?: {
                /** @description The shard (frozen or active; default: the active one); an unknown tree ID is answered 400 (reason UNKNOWN_TREE), as Rekor does. */
                treeID?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description PEM public key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-pem-file": string;
                };
            };
            400: components["responses"]["BadContent"];
            default: components["responses"]["InternalServerError"];
        };
    };
    getTrustedRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description TrustedRoot JSON. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrustedRoot"];
                };
            };
            default: components["responses"]["InternalServerError"];
        };
    };
    getSigningConfig: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description SigningConfig JSON. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningConfig"];
                };
            };
            default: components["responses"]["InternalServerError"];
        };
    };
    createTimestamp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/timestamp-query": string;
                "application/json": components["schemas"]["TimestampRequestJson"];
            };
        };
        responses: {
            /** @description Granted; a DER TimeStampResp with status granted and the token. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/timestamp-reply": string;
                };
            };
            /** @description Refused; a DER TimeStampResp with status rejection, a PKIFailureInfo (badAlg, badRequest, badDataFormat, unacceptedPolicy, unacceptedExtension) and a statusString. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/timestamp-reply": string;
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description Neither application/timestamp-query nor application/json; a rejection TimeStampResp. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/timestamp-reply": string;
                };
            };
        };
    };
    getTimestampCertChain: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description PEM certificates. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/pem-certificate-chain": string;
                };
            };
        };
    };
    createEntryV2: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateEntryRequestV2"];
            };
        };
        responses: {
            /** @description The entry was appended. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TransparencyLogEntryV2"];
                };
            };
            400: components["responses"]["BadContent"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            503: components["responses"]["ServiceUnavailable"];
            default: components["responses"]["InternalServerError"];
        };
    };
    getCheckpointV2: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed checkpoint. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getVerifierKeysV2: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One verifier key per line. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getTileV2: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tilePath: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tile or entry bundle bytes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            400: components["responses"]["BadContent"];
            404: components["responses"]["NotFound"];
        };
    };
    getShardCheckpointV2: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A shard's tree id (decimal int64, Rekor's treeID; `scriba shard list`). */
                treeId: components["parameters"]["ShardTreeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed checkpoint. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            404: components["responses"]["NotFound"];
        };
    };
    getShardTileV2: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A shard's tree id (decimal int64, Rekor's treeID; `scriba shard list`). */
                treeId: components["parameters"]["ShardTreeId"];
                tilePath: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tile or entry bundle bytes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            404: components["responses"]["NotFound"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
            /** @description Not ready. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
}
