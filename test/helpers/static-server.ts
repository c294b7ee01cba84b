/**
 * A plain static file server for tests (node:http + node:fs, nothing of Scriba): GET /a/b answers the
 * bytes of file `<root>/a/b` (200, application/octet-stream), anything else 404. It stands for the web
 * server, object store or CDN a frozen shard's export (`scriba shard export`) is published on.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, sep } from 'node:path';
import { freePort } from './ports.js';

export type StaticServer = { url: string; paths: string[]; close(): Promise<void> };

export async function startStaticServer(root: string): Promise<StaticServer> {
  const paths: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    paths.push(path);
    const parts = path.split('/').filter((p) => p !== '');
    const file = join(root, ...parts);
    const ok =
      req.method === 'GET' &&
      !parts.some((p) => p === '..' || p.includes(sep)) &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ));
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
