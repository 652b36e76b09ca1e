/**
 * Runs stop() once on the first SIGTERM or SIGINT; a second signal exits at once, for an operator
 * who does not want to wait for the drain.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      exit(1);
      return;
    }
    stopping = true;
    stop(signal).then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
