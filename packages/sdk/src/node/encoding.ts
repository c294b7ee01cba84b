/** `@scriba/sdk/encoding` under Node.js: native parts installed (../native-node.ts), then the default entry. */
import '../native-node.js';

export * from '../encoding.js';
