import { runGrpcService } from '@skinlesion/grpc-kit';
import { readConfig } from './config.js';
import { createBlobDetector } from './parallel/blob-detector.js';
import { tilerBinding } from './server.js';
import { warmUp } from './warm-up.js';

async function main(): Promise<void> {
  const config = readConfig();
  await runGrpcService({
    service: 'tiler',
    ...config,
    setUp: async (runtime) => {
      const blobDetector = await createBlobDetector({
        threads: config.blobThreads,
        onWorkerFailure: (error) => runtime.log.error({ err: error }, 'blob detection worker failed; detecting on the calling thread from now on'),
      });
      try {
        await warmUp(blobDetector);
      } catch (error) {
        await blobDetector.close();
        throw error;
      }
      return { bindings: [tilerBinding(runtime, config, blobDetector)], close: () => blobDetector.close() };
    },
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
