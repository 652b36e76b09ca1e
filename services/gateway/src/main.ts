import { ConfigError } from '@skinlesion/config';
import { onShutdownSignal } from '@skinlesion/grpc-kit';
import { announceListening, createLogger } from '@skinlesion/logger';
import { createRegistry } from '@skinlesion/metrics';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { createClients } from './clients.js';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { trackForDrain } from './http-drain.js';

const SERVICE = 'gateway';

function configOrExit(): GatewayConfig {
  try {
    return loadGatewayConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger(SERVICE, 'info').fatal({ problems: error.problems }, 'invalid configuration');
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(SERVICE, config.logLevel);
  const clients = createClients(config);
  const app = buildApp({ ...clients, registry: createRegistry(SERVICE), logger }, config);

  const http = trackForDrain(app.server);
  await app.listen({ port: config.port, host: config.host });
  // The local launcher reads the port from this line (PORT=0 picks a free one).
  announceListening(logger, { port: (app.server.address() as AddressInfo).port, host: config.host });

  onShutdownSignal(async (signal) => {
    // Not ready first, so a load balancer stops sending; then drain what was accepted.
    app.draining = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    // The gRPC clients stay open until every accepted request has its answer.
    const outcome = await http.drain(config.shutdownGraceMs);
    if (outcome === 'timeout') logger.warn({ graceMs: config.shutdownGraceMs }, 'drain deadline passed: closed the connections of requests still in flight');
    // Runs fastify's onClose hooks; no connection is left open, so this does not wait.
    await app.close();
    clients.close();
    logger.info({ outcome }, 'stopped');
  });
}

main().catch((error: unknown) => {
  createLogger(SERVICE, 'info').fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
});
