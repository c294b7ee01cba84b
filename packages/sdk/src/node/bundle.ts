/** `@scriba/sdk/bundle` under Node.js: native crypto installed (../native-node.ts), then the default entry. */
import '../native-node.js';

export * from '../bundle/index.js';
