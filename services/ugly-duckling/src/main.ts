import { runGrpcService } from '@skinlesion/grpc-kit';
import { readConfig } from './config.js';
import { uglyDucklingBinding } from './server.js';

async function main(): Promise<void> {
  const config = readConfig();
  await runGrpcService({
    service: 'ugly-duckling',
    ...config,
    setUp: async (runtime) => ({ bindings: [uglyDucklingBinding(runtime, config.maxLesions)] }),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
