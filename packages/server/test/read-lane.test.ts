import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { rawHttp } from '../../../test/helpers/raw-http.js';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';

/** The headers an answer is compared on (date and keep-alive are the connection's, not the route's). */
const COMPARED = [
  'content-type',
  'content-length',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'location',
  'retry-after',
];

/**
 * The read lane (routes/read-lane.ts) answers entry and consistency-proof reads ahead of Fastify: over
 * HTTP each answer is the one Fastify's route gives for the same request (app.inject(), which never
 * passes the lane), byte for byte with the same headers; the lane answers exactly the 200s of its
 * two request shapes, and hands everything else to Fastify.
 */
describe('the read lane', () => {
  let server: RunningServer;
  let log: TestLog | undefined;

  beforeAll(async () => {
    log = await startTestLog();
    server = log.server;
    const signer = newSigner();
    for (let i = 0; i < 5; i++) expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);
  });
  afterAll(async () => {
    await log?.stop();
  });

  /** The answer over HTTP and Fastify's own, and whether the lane answered it. */
  async function both(path: string, method: 'GET' | 'HEAD' = 'GET') {
    const before = server.log.metrics.readLaneAnswers;
    const http = await fetch(`${server.url}${path}`, { method });
    const httpBody = await http.text();
    const laned = server.log.metrics.readLaneAnswers - before;
    const own = await server.app.inject({ method, url: path });
    const pick = (get: (name: string) => unknown) =>
      Object.fromEntries(COMPARED.map((h) => [h, get(h) === undefined ? null : String(get(h))]));
    expect(server.log.metrics.readLaneAnswers - before).toBe(laned); // inject never passes the lane
    return {
      laned,
      http: { status: http.status, body: httpBody, headers: pick((h) => http.headers.get(h) ?? undefined) },
      own: { status: own.statusCode, body: own.body, headers: pick((h) => own.headers[h]) },
    };
  }

  /** Request, status, and who answers it: the lane ('lane') or Fastify ('fastify'). */
  it.each([
    ['/api/v1/log/entries?logIndex=0', 200, 'lane'],
    ['/api/v1/log/entries?logIndex=4', 200, 'lane'],
    ['/api/v1/log/entries?logIndex=003', 200, 'lane'],
    ['/api/v1/log/proof?firstSize=1&lastSize=5', 200, 'lane'],
    ['/api/v1/log/proof?firstSize=3&lastSize=5', 200, 'lane'],
    ['/api/v1/log/proof?firstSize=5&lastSize=5', 200, 'lane'],
    ['/api/v1/log/proof?firstSize=2&lastSize=4', 200, 'lane'],
    // Its shapes, but no 200: handed to Fastify, which reads again and answers as the route does.
    ['/api/v1/log/entries?logIndex=5', 404, 'fastify'],
    ['/api/v1/log/entries?logIndex=999999999999999', 404, 'fastify'],
    ['/api/v1/log/proof?firstSize=6&lastSize=5', 400, 'fastify'],
    ['/api/v1/log/proof?firstSize=1&lastSize=6', 400, 'fastify'],
    // Not its shapes: Fastify's at once.
    ['/api/v1/log/entries?logIndex=9007199254740993', 400, 'fastify'],
    ['/api/v1/log/entries?logIndex=-1', 400, 'fastify'],
    ['/api/v1/log/entries?logIndex=1e3', 404, 'fastify'],
    ['/api/v1/log/entries?logIndex=1&logIndex=2', 400, 'fastify'],
    ['/api/v1/log/entries?logIndex=1&extra=2', 200, 'fastify'],
    ['/api/v1/log/entries/?logIndex=1', 400, 'fastify'],
    ['/api/v1/log/proof?lastSize=5&firstSize=1', 200, 'fastify'],
    ['/api/v1/log/proof?lastSize=5', 200, 'fastify'],
    ['/api/v1/log/proof?firstSize=1&lastSize=5&treeID=1', 400, 'fastify'],
  ])('%s: %i from the %s, as the route answers it', async (path, status, by) => {
    const r = await both(path);
    expect(r.http.status).toBe(status);
    expect(r.laned).toBe(by === 'lane' ? 1 : 0);
    expect(r.http).toEqual(r.own);
  });

  it('hands HEAD to Fastify', async () => {
    const r = await both('/api/v1/log/entries?logIndex=0', 'HEAD');
    expect(r.laned).toBe(0);
    expect(r.http.status).toBe(200);
    expect(r.http.headers).toEqual(r.own.headers);
  });

  it('answers pipelined requests in their order, the lane and Fastify mixed on one connection', async () => {
    const paths = [
      '/api/v1/log/entries?logIndex=4', // the lane, after a database read
      '/api/v1/log', // Fastify at once
      '/api/v1/log/entries?logIndex=5', // the lane's shape, no entry: handed to Fastify (404)
      '/api/v1/log/proof?firstSize=1&lastSize=5', // the lane
      '/api/v1/log/entries?logIndex=0', // the lane, last: the connection then closes
    ];
    const requests = paths.map(
      (p, i) =>
        `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`,
    );
    const before = server.log.metrics.readLaneAnswers;
    const { closed, reply } = await rawHttp(server.url, requests.join(''), 20_000);
    expect(closed).toBe(true);
    expect(server.log.metrics.readLaneAnswers - before).toBe(3);
    // Content-Length counts bytes (a checkpoint's signature lines hold a UTF-8 em dash).
    const answers: { status: number; body: string }[] = [];
    for (let rest = Buffer.from(reply, 'utf8'); rest.length > 0; ) {
      const head = rest.subarray(0, rest.indexOf('\r\n\r\n')).toString('latin1');
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
      const start = head.length + 4;
      answers.push({
        status: Number(head.slice(9, 12)),
        body: rest.subarray(start, start + length).toString('utf8'),
      });
      rest = rest.subarray(start + length);
    }
    const alone = await Promise.all(
      paths.map(async (p) => {
        const r = await fetch(`${server.url}${p}`);
        return { status: r.status, body: await r.text() };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 200, 200]);
    expect(answers).toEqual(alone);
  });

  it('counts its answers in /metrics', async () => {
    await fetch(`${server.url}/api/v1/log/entries?logIndex=1`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const m = /^scriba_read_lane_answers_total (\d+)$/m.exec(metrics);
    expect(Number(m?.[1])).toBe(server.log.metrics.readLaneAnswers);
    expect(Number(m?.[1])).toBeGreaterThan(0);
  });
});
