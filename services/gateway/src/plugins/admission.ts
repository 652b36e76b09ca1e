import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { Admission, type AdmissionLimits } from '../domain/admission.js';
import type { GatewayMetrics } from '../metrics.js';

/**
 * Routes that share a serving limit. Analyses (seconds of tiling per photo) and inference calls
 * (milliseconds per crop) differ in cost by orders of magnitude: one limit for both would let
 * either starve the other, and its service-time estimate would fit neither.
 */
export const ADMISSION_GROUPS = ['analysis', 'inference'] as const;
export type AdmissionGroup = (typeof ADMISSION_GROUPS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The serving limit this route's requests wait for; none = not limited (health, docs). */
    admission?: AdmissionGroup;
  }
}

export interface AdmissionPluginOptions {
  readonly limits: AdmissionLimits;
  readonly metrics: Pick<GatewayMetrics, 'admissionInFlight' | 'admissionQueued' | 'admissionWaitSeconds' | 'admissionRefused'>;
}

function admissionFor(group: AdmissionGroup, { limits, metrics }: AdmissionPluginOptions): Admission {
  const labels = { group };
  metrics.admissionInFlight.set(labels, 0);
  metrics.admissionQueued.set(labels, 0);
  return new Admission(limits, {
    onAdmitted: (waitedMs) => metrics.admissionWaitSeconds.observe(labels, waitedMs / 1000),
    onRefused: (reason) => metrics.admissionRefused.inc({ group, reason }),
    onChange: (inFlight, queued) => {
      metrics.admissionInFlight.set(labels, inFlight);
      metrics.admissionQueued.set(labels, queued);
    },
  });
}

/**
 * Puts every route whose config names an admission group behind that group's limit. The wait
 * happens in onRequest, before the body is read: a queued or refused upload costs no memory
 * beyond the socket's buffers. The slot is held until the response is finished or abandoned.
 * Call on the root instance before any route is registered (it works through onRoute).
 */
export function registerAdmission(app: FastifyInstance, options: AdmissionPluginOptions): void {
  const hooks = new Map<AdmissionGroup, onRequestHookHandler>(
    ADMISSION_GROUPS.map((group) => {
      const admission = admissionFor(group, options);
      const hook: onRequestHookHandler = async (request, reply) => {
        const budgetMs = request.scope.deadline.getTime() - Date.now();
        const ticket = await admission.admit(request.scope.signal, budgetMs);
        reply.raw.once('close', () => ticket.release(reply.raw.writableEnded && reply.statusCode < 500));
      };
      return [group, hook];
    }),
  );
  app.addHook('onRoute', (route) => {
    const group = route.config?.admission;
    if (group === undefined) return;
    const hook = hooks.get(group) as onRequestHookHandler;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [hook, ...existing];
  });
}
