#!/usr/bin/env node
/**
 * The `scriba` executable: dispatches to the command modules in ./commands. Every command runs in
 * Node, so the SDK is handed node:crypto here once: signature checks then go to OpenSSL directly
 * (same results as WebCrypto, without its thread-pool hop).
 */
import * as nodeCrypto from 'node:crypto';
import { type NativeCryptoModule, useNativeCrypto } from '@scriba/sdk';
import { main } from './index.js';

useNativeCrypto(nodeCrypto as unknown as NativeCryptoModule);
process.exitCode = await main(process.argv.slice(2));
