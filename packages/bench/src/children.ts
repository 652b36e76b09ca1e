/**
 * Every process the benchmark started and has not stopped yet, so that Ctrl-C or SIGTERM ends
 * them too rather than leaving servers behind.
 */
const live = new Set<() => Promise<unknown> | unknown>();

/** Registers how to kill something; call the returned function once it has ended by itself. */
export function track(kill: () => Promise<unknown> | unknown): () => void {
  live.add(kill);
  return () => live.delete(kill);
}

export async function killAll(): Promise<void> {
  const kills = [...live];
  live.clear();
  await Promise.allSettled(kills.map(async (kill) => kill()));
}
