/**
 * `scriba witness`: run a C2SP tlog-witness server (POST /add-checkpoint, tlog-cosignature Ed25519
 * cosignatures). A witness follows a log by its checkpoint origin and the keys that sign it:
 *  - `--log-url URL` learns both from a Scriba log at start (GET /api/v2/log/vkeys, and the origin
 *    of every shard: GET /api/v2/checkpoint, the frozen shards of GET /api/v1/log) and prints them;
 *    a checkpoint of an origin not yet followed has the log read again (at most every 10 s), so a
 *    shard the log rotated to later is followed without a restart;
 *  - `--log VKEY [--origin ORIGIN]` gives them (repeatable; without --origin the key name is taken
 *    as the origin, which is right for logs whose origin is their key name, not for Scriba, whose
 *    origin is `<name> - <treeID>`);
 *  - or a JSON config file:
 *   { "name": "witness.example/w1", "logs": [ { "vkeys": ["origin+hash+key"], "origin": "optional" } ] }
 * State lives in PGlite under --data-dir, or in PostgreSQL with --database-url (or DATABASE_URL).
 * The witness key is <data-dir>/witness-key.pem (created on first start) unless --key is given; its
 * verifier key is printed at start (and alone with --print-vkey).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createWitnessServer,
  ed25519Cosigner,
  loadOrCreateEd25519Key,
  type WitnessLogConfig,
} from '@scriba/witness';
import { parseCommandArgs } from '../args.js';
import { envDatabaseUrl } from '../env.js';
import { getText, logBase } from '../http.js';
import { CliError, fileError, inputError, reportError, usageError } from '../output.js';

/**
 * A Scriba log's note verifier keys and the origins of its shards, read from the log itself: the
 * active shard's (GET /api/v2/checkpoint) and each frozen shard's (the final checkpoints GET
 * /api/v1/log lists in `inactiveShards`), so a witness started after a rotation still takes the
 * frozen shard's final checkpoint the log keeps offering. One entry per origin, every key for each.
 */
async function learnLog(url: string): Promise<(WitnessLogConfig & { origin: string })[]> {
  const base = logBase(url);
  const vkeys = (await getText(`${base}/api/v2/log/vkeys`))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const firstLine = (note: unknown) => (typeof note === 'string' ? (note.split('\n')[0]?.trim() ?? '') : '');
  const origin = firstLine(await getText(`${base}/api/v2/checkpoint`));
  if (vkeys.length === 0 || origin === '') {
    throw new CliError(2, 'LOG_ANSWER_INVALID', `${base}: no verifier keys or no checkpoint origin`);
  }
  const origins = new Set([origin]);
  const logInfo = await getText(`${base}/api/v1/log`);
  let info: { inactiveShards?: { signedTreeHead?: unknown }[] };
  try {
    info = JSON.parse(logInfo) as typeof info;
  } catch (e) {
    throw new CliError(2, 'LOG_ANSWER_INVALID', `${base}/api/v1/log: ${(e as Error).message}`);
  }
  for (const shard of Array.isArray(info.inactiveShards) ? info.inactiveShards : []) {
    const o = firstLine(shard?.signedTreeHead);
    if (o !== '') origins.add(o);
  }
  return [...origins].map((o) => ({ vkeys, origin: o }));
}

const USAGE = `usage: scriba witness --name NAME (--log-url URL | --log VKEY [--origin ORIGIN] | --config FILE)...
       [--data-dir DIR] [--key FILE] [--database-url URL] [--host 127.0.0.1] [--port 3030] [--print-vkey]
  --log-url URL   follow the Scriba log at URL: its keys and its shards' origins are read from it at start,
                  and again (at most every 10 s) when a checkpoint names a shard not yet followed
  --log VKEY      a log's note verifier key; --origin gives its checkpoint origin (the first line
                  of its checkpoint, e.g. "127.0.0.1:3000 - 4242"; default: the key's name)
  --print-vkey    print this witness's verifier key (creating its key) and exit
  exit: 0 stopped by SIGINT/SIGTERM; 2 usage, unreadable config or key, unreachable log
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      name: { type: 'string' },
      log: { type: 'string', multiple: true },
      origin: { type: 'string', multiple: true },
      'log-url': { type: 'string', multiple: true },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      key: { type: 'string' },
      'database-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'print-vkey': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed;
  let name = values.name as string | undefined;
  const vkeyArgs = (values.log as string[] | undefined) ?? [];
  const originArgs = (values.origin as string[] | undefined) ?? [];
  if (originArgs.length > 0 && originArgs.length !== vkeyArgs.length) {
    return reportError(usageError('give one --origin per --log (or none)'), USAGE);
  }
  const logs: WitnessLogConfig[] = vkeyArgs.map((v, i) =>
    originArgs[i] !== undefined ? { vkeys: [v], origin: originArgs[i] as string } : { vkeys: [v] },
  );
  const logUrls = (values['log-url'] as string[] | undefined) ?? [];
  if (!values['print-vkey']) {
    for (const u of logUrls) {
      try {
        logs.push(...(await learnLog(u)));
      } catch (e) {
        return reportError(e);
      }
    }
  }
  if (values.config) {
    const configPath = values.config as string;
    let configText: string;
    try {
      configText = await readFile(configPath, 'utf8');
    } catch (e) {
      return reportError(fileError('config', configPath, e));
    }
    try {
      const cfg = JSON.parse(configText) as {
        name?: unknown;
        logs?: unknown;
      };
      if (typeof cfg.name === 'string') name ??= cfg.name;
      if (!Array.isArray(cfg.logs)) throw new Error('config: "logs" must be an array');
      for (const l of cfg.logs as { vkeys?: unknown; vkey?: unknown; origin?: unknown }[]) {
        const vkeys = Array.isArray(l.vkeys) ? l.vkeys : typeof l.vkey === 'string' ? [l.vkey] : [];
        if (!vkeys.every((v) => typeof v === 'string') || vkeys.length === 0) {
          throw new Error('config: each log needs "vkeys" (strings)');
        }
        logs.push(typeof l.origin === 'string' ? { vkeys, origin: l.origin } : { vkeys });
      }
    } catch (e) {
      return reportError(inputError(e instanceof SyntaxError ? new Error(`config: ${e.message}`) : e));
    }
  }
  if (!name) return reportError(usageError('--name is required'), USAGE);
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? './.scriba-witness');
  if (values['print-vkey']) {
    try {
      const key = await loadOrCreateEd25519Key(
        values.key ? resolve(values.key as string) : join(dataDir, 'witness-key.pem'),
      );
      process.stdout.write(`${ed25519Cosigner(name, key).vkey}\n`);
      return 0;
    } catch (e) {
      return reportError(inputError(e, 'KEY_INVALID'));
    }
  }
  if (logs.length === 0) {
    return reportError(usageError('no logs to witness (--log-url, --log or --config)'), USAGE);
  }
  const port = Number(values.port ?? '3030');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return reportError(usageError('--port must be 0..65535'), USAGE);
  }
  const databaseUrl = (values['database-url'] as string | undefined) ?? envDatabaseUrl();
  let server: Awaited<ReturnType<typeof createWitnessServer>>;
  try {
    server = await createWitnessServer({
      name,
      dataDir,
      logs,
      // New shards of the --log-url logs (an unreadable log is skipped until the next time).
      ...(logUrls.length > 0
        ? {
            discover: async () => (await Promise.all(logUrls.map((u) => learnLog(u).catch(() => [])))).flat(),
          }
        : {}),
      logger: false,
      ...(values.key ? { keyPath: resolve(values.key as string) } : {}),
      ...(databaseUrl ? { databaseUrl } : {}),
    });
  } catch (e) {
    return reportError(inputError(e, 'START_FAILED'));
  }
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  let address: string;
  try {
    address = await server.app.listen({ host, port });
  } catch (e) {
    await server.close().catch(() => undefined);
    const cause = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return reportError(new CliError(2, 'LISTEN_FAILED', `cannot listen on ${host}:${port}: ${cause}`));
  }
  process.stdout.write(`witness ${name} listening on ${address}\nverifier key: ${server.vkey}\n`);
  for (const o of server.witness.origins) process.stdout.write(`following ${o}\n`);
  await new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  await server.close();
  return 0;
}
