import { runGrpcService } from '@skinlesion/grpc-kit';
import { readConfig } from './config.js';
import { tilerBinding } from './server.js';
import { warmUp } from './warm-up.js';

async function main(): Promise<void> {
  const config = readConfig();
  await runGrpcService({
    service: 'tiler',
    ...config,
    setUp: async (runtime) => {
      await warmUp();
      return { bindings: [tilerBinding(runtime, config)] };
    },
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
