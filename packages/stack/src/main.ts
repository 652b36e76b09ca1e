import { readConfig } from './config.js';
import { startStack } from './stack.js';

/** `pnpm start`: the whole system on this machine until Ctrl-C or SIGTERM. */
async function main(): Promise<void> {
  const config = readConfig();
  const stack = await startStack({ ...config, output: process.stdout });
  process.stdout.write(
    `\nskinlesion is up: ${stack.url}\n` +
      `  POST ${stack.url}/v1/analyses   (multipart "image" parts, or one raw image body)\n` +
      `  GET  ${stack.url}/readyz   ${stack.url}/metrics\n` +
      `  ${stack.classifiers.length} classifier replica(s); Ctrl-C stops everything\n\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping all services...\n');
    stack.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const service of stack.all) {
    service.whenExited().then((code) => {
      if (!stopping) process.stderr.write(`${service.name} exited unexpectedly (code ${code})\n`);
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
