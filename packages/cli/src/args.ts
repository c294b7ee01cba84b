/**
 * Command-line parsing shared by the `scriba` commands (node:util parseArgs, strict): a usage error
 * exits 2 with the message and the usage on stderr, `--help` exits 0 with the usage on stdout, so
 * every command answers both the same way.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { reportError, runCommand, usageError } from './output.js';

export type ArgValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Parses `argv` against `options`. Returns the values, or the exit code the command MUST return at
 * once: 2 after a usage error (stderr: `error USAGE: <message>` and the usage), 0 after `--help`.
 */
export function parseCommandArgs(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
): ArgValues | number {
  let values: ArgValues;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true }));
  } catch (e) {
    return reportError(usageError((e as Error).message.replace(/\s*\n\s*/g, ' ')), usage);
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  return values;
}

export type CommandValues = ArgValues;

/**
 * A command's frame: parses `argv` (usage errors as `error USAGE: ...`), then runs `body` with the
 * values; any failure in it becomes one line and its exit code (output.ts `runCommand`).
 */
export async function runParsedCommand(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
  body: (v: CommandValues) => Promise<number>,
): Promise<number> {
  const parsed = parseCommandArgs(argv, options, usage);
  if (typeof parsed === 'number') return parsed;
  return runCommand(usage, () => body(parsed as CommandValues));
}
