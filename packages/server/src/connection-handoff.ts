/**
 * How `scriba serve --workers N` (cluster.ts) spreads connections: the supervisor listens and hands
 * each accepted connection, unread, to its ready workers in turn over their IPC channel; a worker
 * serves it on its HTTP server as if it had accepted it itself.
 *
 * Why not node:cluster's own round robin: there the primary keeps its copy of a connection until the
 * worker replies that it took it, and when the worker dies in between (a connection handed to a worker
 * killed a moment before, which the primary had not yet noticed) that copy is never closed: the client
 * waits forever on a connection nobody reads. Here the supervisor closes its copy as soon as the
 * connection is written to the worker's channel: from then on the kernel holds it for the worker, and
 * drops it (the client sees the connection close, and can retry) if the worker dies before reading
 * it. A connection still queued for a worker that exits (node:child_process writes one handle at a
 * time per channel) has not reached it, unread, and goes to another worker.
 */
import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/** Messages of the handoff, beside cluster.ts's own. */
export type HandoffMessage = { scriba: 'ready' } | { scriba: 'connection' };

/** The supervisor's side: the listener, and the connections handed over but not yet written. */
export class ConnectionHandoff {
  readonly #listener: Server;
  /** Workers serving, in the order connections go to them. */
  readonly #ready: Worker[] = [];
  #turn = 0;
  /** Accepted while no worker was ready; handed over as one becomes ready. */
  readonly #waiting: Socket[] = [];
  /** Handed to a worker, not yet written to its channel (queued behind an earlier handle). */
  readonly #unwritten = new Map<Socket, Worker>();

  constructor() {
    this.#listener = createServer({ pauseOnConnect: true }, (socket) => this.#hand(socket));
  }

  /** Starts accepting; rejects (e.g. EADDRINUSE) when the address cannot be bound. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#listener.once('error', reject);
      this.#listener.listen(port, host, () => {
        this.#listener.off('error', reject);
        resolve(this.#listener.address() as AddressInfo);
      });
    });
  }

  /** A worker serves from now on (its `ready` message). */
  ready(worker: Worker): void {
    if (!this.#ready.includes(worker)) this.#ready.push(worker);
    for (const socket of this.#waiting.splice(0)) this.#hand(socket);
  }

  /**
   * A worker exited: it gets no more connections, and those still queued for it (unread) go to
   * another; those already written to its channel were closed by the kernel with it.
   */
  remove(worker: Worker): void {
    const at = this.#ready.indexOf(worker);
    if (at >= 0) this.#ready.splice(at, 1);
    for (const [socket, to] of this.#unwritten) {
      if (to !== worker) continue;
      this.#unwritten.delete(socket);
      this.#hand(socket);
    }
  }

  /** Stops accepting; connections not handed to a worker yet are closed. */
  close(): void {
    this.#listener.close();
    for (const socket of this.#waiting.splice(0)) socket.destroy();
  }

  #hand(socket: Socket): void {
    if (this.#ready.length === 0) {
      this.#waiting.push(socket);
      return;
    }
    const worker = this.#ready[this.#turn++ % this.#ready.length]!;
    this.#unwritten.set(socket, worker);
    const message: HandoffMessage = { scriba: 'connection' };
    worker.send(message, socket, { keepOpen: true }, (err) => {
      if (this.#unwritten.get(socket) !== worker) return; // already handed on by remove()
      this.#unwritten.delete(socket);
      if (!err) {
        socket.destroy(); // our copy only: the worker's channel holds the connection now
        return;
      }
      // Not written (the worker's channel is closing): the connection is unread; try another.
      this.remove(worker);
      this.#hand(socket);
    });
  }
}

/** A worker's side: takes the connections the supervisor hands it and serves them on `server`. */
export class HandedConnections {
  readonly #open = new Set<Socket>();
  #server: HttpServer | undefined;
  #allClosed: (() => void) | undefined;

  constructor() {
    process.on('message', (m: HandoffMessage, socket?: Socket) => {
      if (m?.scriba === 'connection' && socket) this.#take(socket);
    });
  }

  /** Tells the supervisor this worker serves connections from now on, on `server`. */
  serve(server: HttpServer): Promise<void> {
    this.#server = server;
    // node:http tracks a server's connections (for closeIdleConnections, the drain's sweep, and for
    // headersTimeout/requestTimeout) from its 'listening' event on; this server never listens.
    server.emit('listening');
    return send({ scriba: 'ready' });
  }

  /** Resolves once every connection handed to this worker has closed. */
  closed(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#allClosed = resolve;
    });
  }

  #take(socket: Socket): void {
    if (!this.#server) {
      socket.destroy(); // the supervisor hands connections only after `ready`
      return;
    }
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      if (this.#open.size === 0) this.#allClosed?.();
    });
    this.#server.emit('connection', socket);
  }
}

function send(m: HandoffMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}
