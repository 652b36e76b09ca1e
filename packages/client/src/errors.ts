import type { Problem } from './types.js';

/** The base of every problem type URI; the kind is what follows it. */
export const PROBLEM_TYPE_BASE = 'https://skinlesion.dev/problems/';

/**
 * An HTTP answer that is not a success: the problem+json body of the /v1 API, or the
 * {"error": "..."} of the inference protocols.
 */
export class ApiError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The RFC 9457 problem, when the server sent one. */
  readonly problem?: Problem;
  /** The request id the server answered with, to quote when reporting an error. */
  readonly requestId?: string;
  /** Seconds to wait before retrying, from Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(status: number, message: string, options: { problem?: Problem; requestId?: string; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = options.problem;
    this.requestId = options.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The problem's kind (e.g. "all-photos-blurred"), stable across releases; undefined for other errors. */
  get kind(): string | undefined {
    const type = this.problem?.type;
    return type?.startsWith(PROBLEM_TYPE_BASE) ? type.slice(PROBLEM_TYPE_BASE.length) : undefined;
  }
}

/** Reads a failed response into an ApiError, whatever its body. */
export async function apiError(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const retry = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (type.includes('json')) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (typeof body.type === 'string' && typeof body.status === 'number') {
        const problem = body as Problem;
        return new ApiError(response.status, problem.detail || problem.title, { problem, requestId: problem.requestId ?? requestId, retryAfterSeconds });
      }
      if (typeof body.error === 'string') return new ApiError(response.status, body.error, { requestId, retryAfterSeconds });
    } catch {
      // Not JSON after all: the text itself is the message.
    }
  }
  return new ApiError(response.status, text.trim() || `HTTP ${response.status} ${response.statusText}`, { requestId, retryAfterSeconds });
}
