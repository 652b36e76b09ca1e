import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

export type DrainOutcome = 'drained' | 'timeout';

export interface HttpDrain {
  /**
   * Stops accepting connections; from now on every answer closes its connection. Resolves
   * 'drained' once the last connection has ended with every request on it answered, or, after
   * graceMs, 'timeout' having cut the connections still open (their requests are lost).
   */
  drain(graceMs: number): Promise<DrainOutcome>;
}

/**
 * How long a keep-alive connection left idle during the drain may still bring a request, in ms.
 * A loaded client reuses its connection within microseconds of an answer; one idle this long is
 * a spare that can be closed with little risk of crossing a request on the wire.
 */
const IDLE_LINGER_MS = 250;

/**
 * Calls back once the event loop has polled for I/O at least once from now. The first immediate
 * may run before any poll (when called from an I/O callback, the check phase comes next); the
 * one it schedules runs in the next turn's check phase, which follows that turn's poll.
 */
function afterNextPoll(callback: () => void): void {
  setImmediate(() => setImmediate(callback));
}

/**
 * Watches a server's answers so that a shutdown ends keep-alive connections the way an HTTP/1.1
 * client can rely on: right after an answer carrying `Connection: close`, not under a request the
 * client is sending. Call before the server listens.
 *
 * Why not fastify's close() alone: Node's http close() ends every connection idle at that
 * instant, including those whose client is writing its next upload right now (it sees a broken
 * pipe), and fastify answers any request that still arrives on a busy connection with a bare 503
 * (no problem document, no Retry-After) before reading its body. Drained here first, close()
 * finds nothing left open.
 */
export function trackForDrain(server: Server): HttpDrain {
  const answering = new Set<ServerResponse>();
  let draining = false;
  let lingering: NodeJS.Timeout | undefined;
  const closeAfter = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  };
  // Idle connections are closed once nothing has been in flight for IDLE_LINGER_MS.
  const closeIdleLater = () => {
    clearTimeout(lingering);
    lingering = setTimeout(() => server.closeIdleConnections(), IDLE_LINGER_MS);
  };
  server.on('request', (_request, response: ServerResponse) => {
    if (draining) {
      closeAfter(response);
      clearTimeout(lingering);
    }
    answering.add(response);
    response.once('close', () => {
      answering.delete(response);
      if (draining && answering.size === 0) closeIdleLater();
    });
  });
  return {
    drain(graceMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          clearTimeout(lingering);
          // Cut what is left, so that nothing (fastify's close() included) waits on it.
          server.closeAllConnections();
          resolve('timeout');
        }, graceMs);
        // Closing a listener resets the connections the kernel has completed but the event loop
        // has not accepted yet (a busy loop leaves them queued for milliseconds): their clients
        // would see a request reset, not a connection refused. The loop's next poll for I/O
        // accepts them first. Answers say `Connection: close` only from the same instant on, so
        // no client is sent to open a connection before the listener is gone.
        afterNextPoll(() => {
          draining = true;
          for (const response of answering) closeAfter(response);
          if (answering.size === 0) closeIdleLater();
          // net.Server's close, not http.Server's (which also ends idle connections at once):
          // stop accepting, and call back when the last connection has ended.
          NetServer.prototype.close.call(server, () => {
            clearTimeout(timer);
            clearTimeout(lingering);
            resolve('drained');
          });
        });
      });
    },
  };
}
