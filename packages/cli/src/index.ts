/**
 * The `scriba` command dispatcher. Each command lives in its own module under ./commands and exports
 * `run(argv: string[]): Promise<number>` returning the process exit code. Exit codes (./output.ts):
 * 0 ok, 1 verification/check failure, 2 usage, unreadable input or unreachable log, 3 watched items
 * found (monitor).
 */
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run the log server (Rekor v1 API)', load: () => import('./commands/serve.js') },
  keygen: { summary: 'write a new ECDSA P-256 log key', load: () => import('./commands/keygen.js') },
  'trusted-root': {
    summary: "print a log's Sigstore trusted root (log and timestamp authority)",
    load: () => import('./commands/trusted-root.js'),
  },
  'signing-config': {
    summary: "print a server's Sigstore signing config (for cosign --signing-config)",
    load: () => import('./commands/signing-config.js'),
  },
  sign: {
    summary: 'sign an artifact, log it, write a Sigstore bundle',
    load: () => import('./commands/sign.js'),
  },
  attest: {
    summary: 'sign an in-toto attestation (DSSE), log it, write a bundle',
    load: () => import('./commands/attest.js'),
  },
  verify: { summary: 'verify a Sigstore bundle offline', load: () => import('./commands/verify.js') },
  upload: { summary: 'log an entry with a Rekor v1 log', load: () => import('./commands/upload.js') },
  get: {
    summary: 'print a log entry, verified (SET, proof, checkpoint)',
    load: () => import('./commands/get.js'),
  },
  search: {
    summary: 'find entries by artifact, digest, key or e-mail',
    load: () => import('./commands/search.js'),
  },
  loginfo: {
    summary: "print the log's verified checkpoint; prove consistency",
    load: () => import('./commands/loginfo.js'),
  },
  logproof: {
    summary: 'print a verified consistency proof between two sizes',
    load: () => import('./commands/logproof.js'),
  },
  'verify-entry': {
    summary: "verify an entry's inclusion in the log",
    load: () => import('./commands/verify-entry.js'),
  },
  monitor: {
    summary: 'follow a log: consistency, entries, watched items',
    load: () => import('./commands/monitor.js'),
  },
  witness: {
    summary: 'run a C2SP tlog-witness (cosigns checkpoints)',
    load: () => import('./commands/witness.js'),
  },
  shard: {
    summary: "list, rotate or export the log's shards (on the server's database)",
    load: () => import('./commands/shard.js'),
  },
};

/** The names of every command, in the order `scriba --help` lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: scriba <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** The CLI package's version (its package.json), for `scriba --version`. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`scriba ${await version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    const { reportError, usageError } = await import('./output.js');
    const message = name === undefined ? 'give a command' : `unknown command '${name}'`;
    return reportError(usageError(message), usage());
  }
  const mod = await command.load();
  return mod.run(rest);
}
