import { HealthChecker, type HealthCheckerTransport, type ServingStatus } from '@skinlesion/grpc-kit';
import type { ServiceName } from './names.js';

export interface ReadinessCheck {
  readonly service: ServiceName;
  readonly target: string;
  readonly status: ServingStatus;
}

/** Asks every backend whether it is ready; never throws (an unreachable one is UNREACHABLE). */
export interface Readiness {
  check(timeoutMs: number): Promise<ReadinessCheck[]>;
  close(): void;
}

export interface HealthTarget {
  readonly service: ServiceName;
  readonly target: string;
}

/**
 * grpc.health.v1 checks of the whole server ("") of each target, all at once, over the same
 * transport (TLS or plaintext) as the calls themselves: a backend the calls cannot reach is not
 * ready, whatever a plaintext check would say.
 */
export function healthReadiness(targets: readonly HealthTarget[], transport: HealthCheckerTransport = {}): Readiness {
  const checkers = targets.map((target) => ({ ...target, checker: new HealthChecker(target.target, transport) }));
  return {
    async check(timeoutMs) {
      return Promise.all(
        checkers.map(async ({ service, target, checker }) => ({ service, target, status: await checker.check('', timeoutMs) })),
      );
    },
    close() {
      for (const { checker } of checkers) checker.close();
    },
  };
}
