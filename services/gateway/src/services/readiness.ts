import { HealthChecker, type ServingStatus } from '@skinlesion/grpc-kit';
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

/** grpc.health.v1 checks of the whole server ("") of each target, all at once. */
export function healthReadiness(targets: readonly HealthTarget[]): Readiness {
  const checkers = targets.map((target) => ({ ...target, checker: new HealthChecker(target.target) }));
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
