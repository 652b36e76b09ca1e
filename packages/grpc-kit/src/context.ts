import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { REQUEST_ID_HEADER, type Logger } from '@skinlesion/logger';
import { randomUUID } from 'node:crypto';

/** What a handler gets besides its request: who asked, until when, and whether they still care. */
export interface CallContext {
  readonly requestId: string;
  readonly log: Logger;
  /** Aborted when the client cancels or its deadline passes. */
  readonly signal: AbortSignal;
  readonly deadline: Date | undefined;
}

export function requestIdOf(metadata: Metadata): string {
  const value = metadata.get(REQUEST_ID_HEADER)[0];
  // Ids are echoed into logs: accept only a short, printable token.
  return typeof value === 'string' && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

export function contextOf(call: ServerUnaryCall<unknown, unknown>, log: Logger, method: string): CallContext {
  const requestId = requestIdOf(call.metadata);
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort(new Error('call cancelled by the client or its deadline')));
  const rawDeadline = call.getDeadline();
  const deadline = rawDeadline instanceof Date ? rawDeadline : Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined;
  return { requestId, log: log.child({ requestId, rpc: method }), signal: controller.signal, deadline };
}
