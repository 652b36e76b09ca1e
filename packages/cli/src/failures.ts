import { ApiError } from '@skinlesion/client';

/** One line saying why a request failed, for a person. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiError) {
    const kind = error.kind ? ` ${error.kind}` : '';
    const id = error.requestId ? ` (request ${error.requestId})` : '';
    return `HTTP ${error.status}${kind}: ${error.message}${id}`;
  }
  if (error instanceof Error && error.name === 'TimeoutError') return 'the request timed out';
  if (error instanceof Error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is its cause.
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.message ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

/** A short key to group failures by in a benchmark report. */
export function failureKey(error: unknown): string {
  if (error instanceof ApiError) return `HTTP ${error.status}${error.kind ? ` ${error.kind}` : ''}`;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code ?? (error instanceof Error ? error.name : 'error');
}
