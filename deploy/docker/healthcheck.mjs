// Container health check with nothing but Node's standard library, for images without a shell
// or curl (distroless). Exit code 0 = healthy, 1 = not. Docker runs it in exec form:
//
//   node /app/healthcheck.mjs grpc TILER_PORT:50051          grpc.health.v1 Check of the server ("")
//   node /app/healthcheck.mjs http PORT:8080 /readyz          GET, healthy on 2xx
//
// The port comes from the named environment variable (the one the service itself reads), else
// the default after the colon, so the check follows a port changed at `docker run -e`. Services
// listen on 0.0.0.0 in containers, so the check connects to loopback. A gRPC service with TLS
// on its port (GRPC_TLS_CERT_FILE) also answers grpc.health.v1 in plaintext on GRPC_HEALTH_PORT
// when that is set: the grpc check goes there then, since it speaks no TLS.
import http from 'node:http';
import http2 from 'node:http2';

const TIMEOUT_MS = 2500; // below Docker's --timeout of 3 s, so the reason gets printed
const SERVING = 1; // grpc.health.v1.HealthCheckResponse.ServingStatus

function portFrom(spec) {
  const [name, fallback] = (spec ?? '').split(':');
  const raw = process.env[name]?.trim() || fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`no usable port in ${name}=${raw ?? ''}`);
  return port;
}

/** grpc.health.v1.Health/Check over plain HTTP/2: a 5-byte gRPC frame around an empty request. */
function grpcCheck(port) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const call = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks = [];
    let grpcStatus;
    call.on('response', (headers) => (grpcStatus ??= headers['grpc-status']));
    call.on('trailers', (trailers) => (grpcStatus = trailers['grpc-status'] ?? grpcStatus));
    call.on('data', (chunk) => chunks.push(chunk));
    call.on('error', reject);
    call.on('end', () => {
      session.close();
      if (grpcStatus !== undefined && grpcStatus !== '0') return reject(new Error(`grpc-status ${grpcStatus}`));
      const frame = Buffer.concat(chunks);
      if (frame.length < 5) return reject(new Error('empty gRPC answer'));
      const message = frame.subarray(5, 5 + frame.readUInt32BE(1));
      // HealthCheckResponse { ServingStatus status = 1; }: tag byte 0x08, then a one-byte varint.
      // An empty message is the default, UNKNOWN.
      const status = message.length >= 2 && message[0] === 0x08 ? message[1] : 0;
      if (status === SERVING) resolve('SERVING');
      else reject(new Error(`health status ${status}, not SERVING`));
    });
    // An empty HealthCheckRequest (service "" = the whole server): flag 0, length 0.
    call.end(Buffer.alloc(5));
  });
}

function httpCheck(port, path) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers: { 'user-agent': 'healthcheck' } }, (response) => {
      response.resume();
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) resolve(`HTTP ${code}`);
      else reject(new Error(`HTTP ${code} from ${path}`));
    });
    request.on('error', reject);
  });
}

async function main() {
  const [kind, portSpec, path = '/readyz'] = process.argv.slice(2);
  const port = kind === 'grpc' && process.env.GRPC_HEALTH_PORT?.trim() ? portFrom('GRPC_HEALTH_PORT') : portFrom(portSpec);
  const check = kind === 'grpc' ? grpcCheck(port) : kind === 'http' ? httpCheck(port, path) : Promise.reject(new Error(`unknown check "${kind}": grpc or http`));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref());
  return Promise.race([check, timeout]);
}

main().then(
  (outcome) => {
    console.log(`healthy: ${outcome}`);
    process.exit(0);
  },
  (error) => {
    console.log(`unhealthy: ${error.message}`);
    process.exit(1);
  },
);
