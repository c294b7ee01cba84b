/**
 * Raw HTTP/1.1 over one new TCP connection, for what fetch cannot send or tell apart: stalled or
 * malformed requests, and a connection closed without an answer versus one never answered.
 */
import { connect } from 'node:net';

/**
 * Writes `text` to a new connection to `url`'s port on 127.0.0.1 and resolves with what came back
 * once the server closes the connection (`closed`), or after `waitMs` (not closed).
 */
export function rawHttp(
  url: string,
  text: string,
  waitMs = 50_000,
): Promise<{ closed: boolean; reply: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    // Decoded once at the end: a UTF-8 character split across two reads stays whole.
    const chunks: Buffer[] = [];
    const reply = () => Buffer.concat(chunks).toString('utf8');
    const s = connect(Number(port), '127.0.0.1', () => s.write(text));
    s.on('data', (d: Buffer) => {
      chunks.push(d);
    });
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, reply: reply() });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, reply: reply() });
    });
  });
}
