import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** The metadata key and HTTP header that carry one request's id through every service. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * One JSON logger per process, stamped with the service name. Paths that could hold image bytes
 * or other request bodies are censored: a log line must never carry patient pixels or EXIF.
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['image', 'images', 'body', 'req.body', 'request.body', 'data', 'crops', 'png', '*.image', '*.images', '*.data', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Logs the `listening` line with the bound ports whatever the configured level: the local
 * launcher and operators read it to learn ports chosen by the OS, so a quiet level must not hide it
 * (only 'silent' does).
 */
export function announceListening(log: Logger, fields: Record<string, unknown>): void {
  if (log.level === 'silent') return;
  log.child({}, { level: 'info' }).info(fields, 'listening');
}
