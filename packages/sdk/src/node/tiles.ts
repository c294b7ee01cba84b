/** `@scriba/sdk/tiles` under Node.js: native crypto installed (../native-node.ts), then the default entry. */
import '../native-node.js';

export * from '../tiles/index.js';
