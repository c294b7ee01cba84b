/**
 * `scriba shard <subcommand>`: operator commands on a log's shards (issue 11), each in its own module,
 * working on the database the server configuration names. `export` (shard-export.ts) writes a frozen
 * shard as a static C2SP log.
 */
import { EXIT_USAGE } from '../output.js';

const SUBCOMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  export: () => import('./shard-export.js'),
};

const USAGE = `usage: scriba shard <subcommand> [options]

export   write a frozen shard as static C2SP tiles, entry bundles and its final checkpoint
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub === undefined ? EXIT_USAGE : 0;
  }
  const load = SUBCOMMANDS[sub];
  if (!load) {
    process.stderr.write(
      `error USAGE: unknown subcommand '${sub}' (${Object.keys(SUBCOMMANDS).join(', ')})\n${USAGE}`,
    );
    return EXIT_USAGE;
  }
  return (await load()).run(rest);
}
