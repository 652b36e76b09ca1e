import http2 from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcStatusName } from '@skinlesion/grpc-kit';

/** A gRPC call that did not end with status OK, named as grpc-js names it (UNAVAILABLE, ...). */
export class WireCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WireCallError';
  }
}

/** How a gRPC message travels on HTTP/2: a flag byte (0: not compressed), its length, big-endian, then the message. */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** The message of a framed unary response (one uncompressed message). */
export function unframeMessage(body: Buffer): Buffer {
  if (body.length < 5 || body.readUInt8(0) !== 0 || body.readUInt32BE(1) !== body.length - 5) {
    throw new WireCallError('INTERNAL', `a unary response of ${body.length} bytes is not one uncompressed gRPC message`);
  }
  return body.subarray(5);
}

/**
 * The load generator's caller: one HTTP/2 connection that sends the same pre-framed unary gRPC
 * request again and again, speaking the gRPC wire protocol directly (POST, application/grpc,
 * status in the trailers), as perf_analyzer does from C++. The load generator shares the cores
 * with the servers it measures; through grpc-js a batch-1 ModelInfer cost it about 1.4 ms of
 * CPU per call, a third of what a replica spends on the call, which was then missing from the
 * replicas it measured. The server side is untouched: grpc-js, as deployed.
 *
 * Only the first answer is read and handed to `check`; later answers are counted by their status.
 */
export class WireCaller {
  private readonly session: http2.ClientHttp2Session;
  private checked = false;
  private sessionError: Error | undefined;

  constructor(
    target: string,
    private readonly path: string,
    private readonly framedRequest: Buffer,
    private readonly check: (message: Buffer) => void,
  ) {
    this.session = http2.connect(`http://${target}`);
    this.session.on('error', (error) => (this.sessionError = error));
  }

  call(): Promise<void> {
    if (this.sessionError !== undefined) return Promise.reject(new WireCallError('UNAVAILABLE', this.sessionError.message));
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ':method': 'POST', ':path': this.path, 'content-type': 'application/grpc', te: 'trailers' });
      const reading = !this.checked;
      const chunks: Buffer[] = [];
      let grpcStatus: string | undefined;
      let grpcMessage = '';
      const statusFrom = (headers: http2.IncomingHttpHeaders) => {
        if (headers['grpc-status'] === undefined) return;
        grpcStatus = String(headers['grpc-status']);
        grpcMessage = decodeURIComponent(String(headers['grpc-message'] ?? ''));
      };
      // A trailers-only answer (an error before any message) carries its status in the headers.
      stream.on('response', statusFrom);
      stream.on('trailers', statusFrom);
      stream.on('data', (chunk: Buffer) => {
        if (reading) chunks.push(chunk);
      });
      stream.on('error', (error) => reject(new WireCallError('UNAVAILABLE', error.message)));
      stream.on('close', () => {
        if (grpcStatus === undefined) return reject(new WireCallError('UNKNOWN', `the stream closed without a gRPC status (HTTP/2 code ${stream.rstCode})`));
        const code = Number(grpcStatus);
        if (code !== GrpcStatus.OK) return reject(new WireCallError(grpcStatusName(code), grpcMessage));
        if (reading && !this.checked) {
          this.checked = true;
          try {
            this.check(unframeMessage(Buffer.concat(chunks)));
          } catch (error) {
            return reject(error);
          }
        }
        resolve();
      });
      stream.end(this.framedRequest);
    });
  }

  close(): void {
    this.session.close();
  }
}
