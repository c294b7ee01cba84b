// Generated from openapi/openapi.yaml by `npm run gen:api`. Do not edit.
/** components.schemas of openapi/openapi.yaml, each with `$id` = its name, refs as `Name#`. */
export const schemas = {
  "Error": {
    "$id": "Error",
    "type": "object",
    "description": "Rekor's error shape (code = HTTP status) plus a stable reason code and the field at fault.",
    "properties": {
      "code": {
        "type": "integer"
      },
      "message": {
        "type": "string"
      },
      "reason": {
        "type": "string"
      },
      "field": {
        "type": "string"
      }
    },
    "required": [
      "code",
      "message"
    ]
  },
  "Status": {
    "$id": "Status",
    "type": "object",
    "properties": {
      "status": {
        "type": "string"
      },
      "treeSize": {
        "type": "integer"
      }
    },
    "required": [
      "status"
    ]
  },
  "Hex64": {
    "$id": "Hex64",
    "type": "string",
    "pattern": "^[0-9a-fA-F]{64}$"
  },
  "EntryUUID": {
    "$id": "EntryUUID",
    "type": "string",
    "pattern": "^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$"
  },
  "ProposedEntry": {
    "$id": "ProposedEntry",
    "type": "object",
    "description": "A Rekor v1 proposed entry. Only the envelope is checked here; the kind-specific spec is validated by the entry validator, whose errors name the field.\n",
    "properties": {
      "kind": {
        "type": "string",
        "minLength": 1,
        "maxLength": 64
      },
      "apiVersion": {
        "type": "string",
        "minLength": 1,
        "maxLength": 32
      },
      "spec": {
        "type": "object",
        "additionalProperties": true
      }
    },
    "required": [
      "kind",
      "apiVersion",
      "spec"
    ],
    "additionalProperties": true
  },
  "InclusionProof": {
    "$id": "InclusionProof",
    "type": "object",
    "properties": {
      "logIndex": {
        "type": "integer",
        "minimum": 0,
        "description": "Tree-local index of the entry in its shard (the checkpoint's tree)"
      },
      "rootHash": {
        "$ref": "Hex64#"
      },
      "treeSize": {
        "type": "integer",
        "minimum": 1
      },
      "hashes": {
        "type": "array",
        "items": {
          "$ref": "Hex64#"
        }
      },
      "checkpoint": {
        "type": "string",
        "description": "C2SP signed checkpoint the proof is based on"
      }
    },
    "required": [
      "logIndex",
      "rootHash",
      "treeSize",
      "hashes",
      "checkpoint"
    ]
  },
  "LogEntryValue": {
    "$id": "LogEntryValue",
    "type": "object",
    "properties": {
      "body": {
        "type": "string",
        "description": "base64 of the canonical entry body (RFC 8785 JSON)"
      },
      "integratedTime": {
        "type": "integer",
        "description": "Unix seconds"
      },
      "logID": {
        "$ref": "Hex64#"
      },
      "logIndex": {
        "type": "integer",
        "minimum": 0,
        "description": "Global index (the shard's offset plus the tree-local index); the SET signs it"
      },
      "verification": {
        "type": "object",
        "properties": {
          "inclusionProof": {
            "$ref": "InclusionProof#"
          },
          "signedEntryTimestamp": {
            "type": "string",
            "description": "base64 ECDSA signature over RFC 8785 JSON of {body, integratedTime, logID, logIndex}"
          }
        },
        "required": [
          "inclusionProof",
          "signedEntryTimestamp"
        ]
      }
    },
    "required": [
      "body",
      "integratedTime",
      "logID",
      "logIndex",
      "verification"
    ]
  },
  "LogEntry": {
    "$id": "LogEntry",
    "type": "object",
    "description": "A map from the entry's EntryUUID (80 hex) to the entry.",
    "additionalProperties": {
      "$ref": "LogEntryValue#"
    }
  },
  "SearchLogQuery": {
    "$id": "SearchLogQuery",
    "type": "object",
    "properties": {
      "entryUUIDs": {
        "type": "array",
        "minItems": 1,
        "maxItems": 10,
        "items": {
          "$ref": "EntryUUID#"
        }
      },
      "logIndexes": {
        "type": "array",
        "minItems": 1,
        "maxItems": 10,
        "items": {
          "type": "integer",
          "minimum": 0,
          "maximum": 9007199254740991
        }
      },
      "entries": {
        "type": "array",
        "minItems": 1,
        "maxItems": 10,
        "items": {
          "$ref": "ProposedEntry#"
        }
      }
    },
    "additionalProperties": false
  },
  "SearchIndex": {
    "$id": "SearchIndex",
    "type": "object",
    "properties": {
      "email": {
        "type": "string",
        "minLength": 1,
        "maxLength": 512
      },
      "subject": {
        "type": "string",
        "minLength": 1,
        "maxLength": 512
      },
      "publicKey": {
        "type": "object",
        "properties": {
          "format": {
            "type": "string",
            "enum": [
              "pgp",
              "x509",
              "minisign",
              "ssh",
              "tuf"
            ]
          },
          "content": {
            "type": "string",
            "minLength": 1,
            "maxLength": 65536,
            "description": "base64 of the key or certificate (PEM or DER)"
          },
          "url": {
            "type": "string"
          }
        },
        "required": [
          "format"
        ]
      },
      "hash": {
        "type": "string",
        "pattern": "^(sha512:)?[0-9a-fA-F]{128}$|^(sha256:)?[0-9a-fA-F]{64}$|^(sha1:)?[0-9a-fA-F]{40}$"
      },
      "operator": {
        "type": "string",
        "enum": [
          "and",
          "or"
        ]
      }
    },
    "additionalProperties": false
  },
  "LogInfo": {
    "$id": "LogInfo",
    "type": "object",
    "properties": {
      "rootHash": {
        "$ref": "Hex64#"
      },
      "treeSize": {
        "type": "integer",
        "minimum": 0
      },
      "signedTreeHead": {
        "type": "string"
      },
      "treeID": {
        "type": "string",
        "pattern": "^[0-9]+$"
      },
      "inactiveShards": {
        "type": "array",
        "description": "The frozen shards, oldest first (empty before the first rotation).",
        "items": {
          "$ref": "InactiveShardLogInfo#"
        }
      }
    },
    "required": [
      "rootHash",
      "treeSize",
      "signedTreeHead",
      "treeID"
    ]
  },
  "InactiveShardLogInfo": {
    "$id": "InactiveShardLogInfo",
    "type": "object",
    "description": "A frozen shard's final state (never changes again).",
    "properties": {
      "rootHash": {
        "$ref": "Hex64#"
      },
      "treeSize": {
        "type": "integer",
        "minimum": 0
      },
      "signedTreeHead": {
        "type": "string",
        "description": "The shard's final signed checkpoint"
      },
      "treeID": {
        "type": "string",
        "pattern": "^[0-9]+$"
      }
    },
    "required": [
      "rootHash",
      "treeSize",
      "signedTreeHead",
      "treeID"
    ]
  },
  "ConsistencyProof": {
    "$id": "ConsistencyProof",
    "type": "object",
    "properties": {
      "rootHash": {
        "$ref": "Hex64#"
      },
      "hashes": {
        "type": "array",
        "items": {
          "$ref": "Hex64#"
        }
      }
    },
    "required": [
      "rootHash",
      "hashes"
    ]
  },
  "TrustedRoot": {
    "$id": "TrustedRoot",
    "type": "object",
    "description": "Sigstore TrustedRoot (protobuf-specs JSON mapping) with one tlog per key of this log.",
    "properties": {
      "mediaType": {
        "type": "string"
      },
      "tlogs": {
        "type": "array",
        "items": {
          "$ref": "TransparencyLogInstance#"
        }
      },
      "certificateAuthorities": {
        "type": "array",
        "items": {
          "type": "object",
          "additionalProperties": true
        }
      },
      "ctlogs": {
        "type": "array",
        "items": {
          "type": "object",
          "additionalProperties": true
        }
      },
      "timestampAuthorities": {
        "type": "array",
        "items": {
          "type": "object",
          "additionalProperties": true
        }
      }
    },
    "required": [
      "mediaType",
      "tlogs",
      "certificateAuthorities",
      "ctlogs",
      "timestampAuthorities"
    ]
  },
  "SigningConfig": {
    "$id": "SigningConfig",
    "type": "object",
    "description": "Sigstore SigningConfig v0.2 (protobuf-specs trustroot JSON mapping).",
    "properties": {
      "mediaType": {
        "type": "string"
      },
      "caUrls": {
        "type": "array",
        "items": {
          "$ref": "SigningService#"
        }
      },
      "oidcUrls": {
        "type": "array",
        "items": {
          "$ref": "SigningService#"
        }
      },
      "rekorTlogUrls": {
        "type": "array",
        "items": {
          "$ref": "SigningService#"
        }
      },
      "rekorTlogConfig": {
        "$ref": "ServiceConfiguration#"
      },
      "tsaUrls": {
        "type": "array",
        "items": {
          "$ref": "SigningService#"
        }
      },
      "tsaConfig": {
        "$ref": "ServiceConfiguration#"
      }
    },
    "required": [
      "mediaType",
      "caUrls",
      "oidcUrls",
      "rekorTlogUrls",
      "rekorTlogConfig",
      "tsaUrls",
      "tsaConfig"
    ]
  },
  "SigningService": {
    "$id": "SigningService",
    "type": "object",
    "properties": {
      "url": {
        "type": "string"
      },
      "majorApiVersion": {
        "type": "integer"
      },
      "validFor": {
        "type": "object",
        "properties": {
          "start": {
            "type": "string"
          },
          "end": {
            "type": "string"
          }
        },
        "required": [
          "start"
        ]
      },
      "operator": {
        "type": "string"
      }
    },
    "required": [
      "url",
      "majorApiVersion",
      "validFor",
      "operator"
    ]
  },
  "ServiceConfiguration": {
    "$id": "ServiceConfiguration",
    "type": "object",
    "properties": {
      "selector": {
        "type": "string",
        "enum": [
          "ALL",
          "ANY",
          "EXACT"
        ]
      },
      "count": {
        "type": "integer"
      }
    },
    "required": [
      "selector"
    ]
  },
  "TimestampRequestJson": {
    "$id": "TimestampRequestJson",
    "type": "object",
    "description": "The JSON timestamp request of sigstore/timestamp-authority.",
    "properties": {
      "artifactHash": {
        "type": "string",
        "description": "base64 digest of the data to timestamp"
      },
      "hashAlgorithm": {
        "type": "string",
        "enum": [
          "sha256",
          "sha384",
          "sha512"
        ]
      },
      "nonce": {
        "description": "optional nonce (integer",
        "or decimal string when large)": null
      },
      "certificates": {
        "type": "boolean",
        "description": "embed the signing certificate (certReq)"
      },
      "tsaPolicyOID": {
        "type": "string"
      }
    },
    "required": [
      "artifactHash",
      "hashAlgorithm"
    ]
  },
  "TransparencyLogInstance": {
    "$id": "TransparencyLogInstance",
    "type": "object",
    "properties": {
      "baseUrl": {
        "type": "string"
      },
      "hashAlgorithm": {
        "type": "string"
      },
      "publicKey": {
        "type": "object",
        "properties": {
          "rawBytes": {
            "type": "string",
            "description": "base64 DER SubjectPublicKeyInfo"
          },
          "keyDetails": {
            "type": "string"
          },
          "validFor": {
            "type": "object",
            "description": "When the key signs this log's entries, RFC 3339, whole seconds: start = creation of the first shard with this key; end = freeze time of the last shard with it, absent while the key signs the active shard. Windows of successive keys meet at a rotation.\n",
            "properties": {
              "start": {
                "type": "string"
              },
              "end": {
                "type": "string"
              }
            },
            "required": [
              "start"
            ]
          }
        },
        "required": [
          "rawBytes",
          "keyDetails",
          "validFor"
        ]
      },
      "logId": {
        "type": "object",
        "properties": {
          "keyId": {
            "type": "string",
            "description": "base64 SHA-256 of the DER SPKI"
          }
        },
        "required": [
          "keyId"
        ]
      }
    },
    "required": [
      "baseUrl",
      "hashAlgorithm",
      "publicKey",
      "logId"
    ]
  },
  "CreateEntryRequestV2": {
    "$id": "CreateEntryRequestV2",
    "type": "object",
    "description": "Rekor v2 CreateEntryRequest (protobuf JSON): exactly one of hashedRekordRequestV002 or dsseRequestV002; validated by the v2 entry validator, whose errors name the field.\n",
    "properties": {
      "hashedRekordRequestV002": {
        "type": "object",
        "additionalProperties": true
      },
      "dsseRequestV002": {
        "type": "object",
        "additionalProperties": true
      }
    },
    "additionalProperties": true
  },
  "TransparencyLogEntryV2": {
    "$id": "TransparencyLogEntryV2",
    "type": "object",
    "description": "Sigstore TransparencyLogEntry (protobuf JSON; int64 as strings, bytes as base64).",
    "properties": {
      "logIndex": {
        "type": "string"
      },
      "logId": {
        "type": "object",
        "properties": {
          "keyId": {
            "type": "string"
          }
        },
        "required": [
          "keyId"
        ]
      },
      "kindVersion": {
        "type": "object",
        "properties": {
          "kind": {
            "type": "string"
          },
          "version": {
            "type": "string"
          }
        },
        "required": [
          "kind",
          "version"
        ]
      },
      "inclusionProof": {
        "type": "object",
        "properties": {
          "logIndex": {
            "type": "string"
          },
          "rootHash": {
            "type": "string"
          },
          "treeSize": {
            "type": "string"
          },
          "hashes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "checkpoint": {
            "type": "object",
            "properties": {
              "envelope": {
                "type": "string"
              }
            },
            "required": [
              "envelope"
            ]
          }
        },
        "required": [
          "logIndex",
          "rootHash",
          "treeSize",
          "hashes",
          "checkpoint"
        ]
      },
      "canonicalizedBody": {
        "type": "string"
      }
    },
    "required": [
      "logIndex",
      "logId",
      "kindVersion",
      "inclusionProof",
      "canonicalizedBody"
    ]
  }
} as const;
