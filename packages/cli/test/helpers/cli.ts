/**
 * Runs `scriba <command> ...` in-process through the dispatcher (output captured), for end-to-end
 * tests against a real server.
 */
import { main } from '../../src/index.js';
import { captureRun } from './capture.js';

export function scriba(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return captureRun(main, argv);
}
