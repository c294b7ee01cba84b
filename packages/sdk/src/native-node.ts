/**
 * Node.js only: hands `node:crypto` to the SDK once (crypto/native.ts), so signature checks and
 * SHA-2 digests run in OpenSSL. Loaded by the `node` export condition of package.json through the
 * small entries in ./node/; the default (browser) entries never import it. This is the one file of
 * the SDK that imports a Node built-in (test/isomorphic.test.ts enforces that).
 */
import * as nodeCrypto from 'node:crypto';
import { type NativeCryptoModule, useNativeCrypto } from './crypto/native.js';

useNativeCrypto(nodeCrypto as unknown as NativeCryptoModule);
