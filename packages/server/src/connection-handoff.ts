/**
 * How `scriba serve --workers N` (cluster.ts) spreads connections: the supervisor listens and hands
 * each accepted connection, unread, to its ready workers in turn over their IPC channel; a worker
 * serves it on its HTTP server as if it had accepted it itself.
 *
 * Why not node:cluster's own round robin: there the primary keeps its copy of a connection until the
 * worker replies that it took it, and when the worker dies in between (a connection handed to a worker
 * killed a moment before, which the primary had not yet noticed) that copy is never closed: the client
 * waits forever on a connection nobody reads. Here the supervisor tracks every connection it hands
 * over until the worker says `took`, and closes those of a worker that exited, so the client sees the
 * connection close (as for the connections the dead worker held) and can retry.
 */
import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/** Messages of the handoff, beside cluster.ts's own. */
export type HandoffMessage =
  | { scriba: 'ready' }
  | { scriba: 'connection'; id: number }
  | { scriba: 'took'; id: number };

/** The supervisor's side: the listener and the connections it has handed over but not seen taken. */
export class ConnectionHandoff {
  readonly #listener: Server;
  /** Workers serving, in the order connections go to them. */
  readonly #ready: Worker[] = [];
  #turn = 0;
  /** Accepted while no worker was ready; handed over as one becomes ready. */
  readonly #waiting: Socket[] = [];
  /** Handed over, not yet taken: closed here if their worker exits first. */
  readonly #inFlight = new Map<number, { socket: Socket; worker: Worker }>();
  #nextId = 0;

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

  /** A worker's handoff message (`ready` or `took`); other messages are ignored. */
  onMessage(worker: Worker, m: HandoffMessage): void {
    if (m?.scriba === 'ready') {
      if (!this.#ready.includes(worker)) this.#ready.push(worker);
      for (const socket of this.#waiting.splice(0)) this.#hand(socket);
    } else if (m?.scriba === 'took') {
      const handed = this.#inFlight.get(m.id);
      if (handed?.worker !== worker) return;
      this.#inFlight.delete(m.id);
      handed.socket.destroy(); // our copy only: the worker's stays open
    }
  }

  /**
   * A worker exited (or is draining): it gets no more connections, and those handed to it but not
   * taken are closed. They may have been partly read by it, so they are not handed on.
   */
  remove(worker: Worker): void {
    const at = this.#ready.indexOf(worker);
    if (at >= 0) this.#ready.splice(at, 1);
    for (const [id, handed] of this.#inFlight) {
      if (handed.worker !== worker) continue;
      this.#inFlight.delete(id);
      handed.socket.destroy();
    }
  }

  /** Stops accepting; connections no worker has taken yet are closed. */
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
    const id = ++this.#nextId;
    this.#inFlight.set(id, { socket, worker });
    const message: HandoffMessage = { scriba: 'connection', id };
    worker.send(message, socket, { keepOpen: true }, (err) => {
      if (!err) return;
      // Not written to the worker (its channel is closing): the connection is unread; try another.
      this.#inFlight.delete(id);
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
      if (m?.scriba === 'connection' && socket) this.#take(m.id, socket);
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

  #take(id: number, socket: Socket): void {
    void send({ scriba: 'took', id });
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
