/** `@scriba/sdk/x509` under Node.js: native crypto installed (../native-node.ts), then the default entry. */
import '../native-node.js';

export * from '../x509/index.js';
