import { ConfigError } from '@skinlesion/config';
import { onShutdownSignal } from '@skinlesion/grpc-kit';
import { announceListening, createLogger } from '@skinlesion/logger';
import { loadClassifierConfig, type ClassifierConfig } from './config.js';
import { startClassifier } from './service.js';

const SERVICE = 'classifier';

async function main(): Promise<void> {
  let config: ClassifierConfig;
  try {
    config = loadClassifierConfig();
  } catch (error) {
    createLogger(SERVICE, 'info').fatal(error instanceof ConfigError ? { problems: error.problems } : { err: error }, 'invalid configuration');
    process.exit(2);
  }
  const log = createLogger(SERVICE, config.logLevel);
  try {
    const classifier = await startClassifier(config, log);
    onShutdownSignal(async (signal) => {
      log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
      await classifier.shutdown();
      log.info('stopped');
    });
    // The local launcher reads the ports from this line: keep its message and fields.
    announceListening(log, { port: classifier.port, metricsPort: classifier.metricsPort, healthPort: classifier.healthPort, tls: classifier.tls });
  } catch (error) {
    log.fatal({ err: error }, 'classifier failed to start');
    process.exit(1);
  }
}

void main();
