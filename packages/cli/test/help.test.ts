/**
 * The CLI as a newcomer first meets it: the committed bin npm links (packages/cli/bin/scriba.js)
 * answers `--version`, and every command answers `--help` with its usage and exit 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../src/index.js';

const BIN = new URL('../bin/scriba.js', import.meta.url).pathname;
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('scriba', () => {
  describe('when asked --version', () => {
    it('prints the CLI package version and exits 0', () => {
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
      const r = run(['--version']);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`scriba ${version}\n`);
    });
  });

  describe('when a command is asked --help', () => {
    it.each(COMMAND_NAMES.map((name) => [name]))('%s prints its usage and exits 0', (name) => {
      const r = run([name, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`usage: scriba ${name}`));
      expect(r.stderr).toBe('');
    });
  });

  describe('when a command is given an unknown flag', () => {
    it.each(COMMAND_NAMES.map((name) => [name]))('%s exits 2 with one error line, no stack trace', (name) => {
      const r = run([name, '--no-such-flag']);
      expect(r.status).toBe(2);
      const [first] = r.stderr.split('\n');
      expect(first).toMatch(/^error USAGE: .*--no-such-flag/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  });

  describe('when the command is unknown', () => {
    it('exits 2 with one error line and the usage', () => {
      const r = run(['no-such-command']);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe("error USAGE: unknown command 'no-such-command'");
      expect(r.stderr).toContain('usage: scriba <command>');
    });
  });

  describe('when a command or subcommand is missing', () => {
    it.each([
      [[], 'give a command', 'usage: scriba <command>'],
      [['shard'], 'give a subcommand (list, rotate, export)', 'usage: scriba shard list'],
    ])('scriba %j exits 2 with one error line and the usage on stderr', (args, message, usage) => {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`error USAGE: ${message}`);
      expect(r.stderr).toContain(usage);
    });
  });

  describe('when a required option is missing', () => {
    it.each([
      ['keygen', '--out is required'],
      ['trusted-root', '--url is required'],
      ['signing-config', '--url is required'],
      ['monitor', '--url and --trusted-root are required'],
      ['witness', '--name is required'],
      ['sign', '--key is required'],
    ])('%s exits 2 with the error USAGE line and its usage', (name, message) => {
      const r = run([name]);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`error USAGE: ${message}`);
      expect(r.stderr).toContain(`usage: scriba ${name}`);
    });
  });
});
