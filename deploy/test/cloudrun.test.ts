import { readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readObjects, type Container, type K8sObject } from './support/manifests.js';
import { schemaProblems } from './support/schemas.js';
import { envProblems, repoPath, SERVICE_NAMES, SERVICES, type ServiceName } from './support/services.js';

interface Revision {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containerConcurrency?: number; timeoutSeconds?: number; containers: Container[] };
}
const revisionOf = (service: K8sObject) => (service.spec as { template: Revision }).template;

/** Cloud Run's window between SIGTERM and SIGKILL, in ms. */
const CLOUD_RUN_SIGTERM_GRACE_MS = 10_000;

/**
 * The variables a container sets. Cloud Run adds PORT (= the container port) to each: the
 * gateway reads it and gets its own default, the gRPC services ignore it.
 */
function runtimeEnv(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value ?? '']));
}

/** CPU limit in cores ("2", "500m"). */
const cores = (value: string | number | undefined) => (typeof value === 'string' && value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value));

describe('deploy/cloudrun (Knative Serving services)', () => {
  const files: Record<string, K8sObject> = {};

  beforeAll(async () => {
    const names = (await readdir(repoPath('deploy', 'cloudrun'))).filter((name) => name.endsWith('.yaml'));
    for (const name of names) {
      const objects = await readObjects(repoPath('deploy', 'cloudrun', name));
      expect(objects, name).toHaveLength(1);
      files[name.replace(/\.yaml$/, '')] = objects[0];
    }
  });

  it('has the whole system in one service, and each service on its own', () => {
    expect(Object.keys(files).sort()).toEqual(['classifier', 'gateway', 'skinlesion', 'tiler', 'ugly-duckling']);
  });

  it('validates against the Knative Service shape and the Kubernetes PodSpec, with no unknown field', async () => {
    expect(await schemaProblems(Object.values(files))).toEqual([]);
  });

  it('sets concurrency, instance bounds and timeouts deliberately', () => {
    for (const [name, service] of Object.entries(files)) {
      const revision = revisionOf(service);
      const annotations = revision.metadata.annotations ?? {};
      const min = Number(annotations['autoscaling.knative.dev/minScale']);
      const max = Number(annotations['autoscaling.knative.dev/maxScale']);
      expect(Number.isInteger(min) && Number.isInteger(max) && min <= max && max > 0, `${name} min/max instances`).toBe(true);
      expect(revision.spec.containerConcurrency, name).toBeGreaterThan(0);
      expect(revision.spec.timeoutSeconds, name).toBeGreaterThan(0);
      // Google Cloud label keys: lowercase letters, digits, - and _ (no dots, no slashes).
      for (const labels of [service.metadata.labels, revision.metadata.labels]) {
        for (const key of Object.keys(labels ?? {})) expect(key, `${name} label`).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      }
      for (const container of revision.spec.containers) {
        expect(container.resources?.limits?.cpu, `${name}/${container.name}`).toBeDefined();
        expect(container.resources?.limits?.memory, `${name}/${container.name}`).toBeDefined();
        expect(Number(runtimeEnv(container).SHUTDOWN_GRACE_MS), `${name}/${container.name} drain`).toBeLessThan(CLOUD_RUN_SIGTERM_GRACE_MS);
      }
    }
  });

  it('gives each container only variables its service reads, and values it accepts', async () => {
    for (const [name, service] of Object.entries(files)) {
      for (const container of revisionOf(service).spec.containers) {
        expect((SERVICE_NAMES as readonly string[]).includes(container.name), `${name}: ${container.name}`).toBe(true);
        const where = `${name}/${container.name}`;
        expect(await envProblems(container.name as ServiceName, runtimeEnv(container), where)).toEqual([]);
      }
    }
  });

  it('serves the gRPC services over HTTP/2 end to end, on the port they listen on, with gRPC probes', () => {
    for (const name of ['tiler', 'classifier', 'ugly-duckling'] as const) {
      const [container] = revisionOf(files[name]).spec.containers;
      const facts = SERVICES[name];
      const port = Number(runtimeEnv(container)[facts.portEnv]);
      expect(container.ports, name).toEqual([{ name: 'h2c', containerPort: port }]);
      expect(container.env?.some((variable) => variable.name === 'PORT'), `${name}: PORT is Cloud Run's to set`).toBe(false);
      expect(container.startupProbe?.grpc?.port, name).toBe(port);
      expect(container.livenessProbe?.grpc?.port, name).toBe(port);
      expect(files[name].metadata.annotations?.['run.googleapis.com/ingress'], name).toBe('internal');
    }
  });

  it('runs the three gRPC services as sidecars the gateway reaches over loopback', () => {
    const revision = revisionOf(files.skinlesion);
    const containers = Object.fromEntries(revision.spec.containers.map((container) => [container.name, container]));
    expect(Object.keys(containers).sort()).toEqual([...SERVICE_NAMES].sort());
    // Only the gateway takes requests; Cloud Run allows exactly one container with a port.
    expect(revision.spec.containers.filter((container) => container.ports?.length).map((container) => container.name)).toEqual(['gateway']);
    expect(containers.gateway.ports).toEqual([{ name: 'http1', containerPort: SERVICES.gateway.port }]);

    const gateway = runtimeEnv(containers.gateway);
    const sidecars = ['tiler', 'classifier', 'ugly-duckling'] as const;
    const addresses = { tiler: gateway.TILER_ADDR, classifier: gateway.CLASSIFIER_ADDRS, 'ugly-duckling': gateway.UGLY_DUCKLING_ADDR };
    for (const name of sidecars) {
      const env = runtimeEnv(containers[name]);
      expect(addresses[name], name).toBe(`127.0.0.1:${env[SERVICES[name].portEnv]}`);
      expect(containers[name].startupProbe?.grpc?.port, name).toBe(Number(env[SERVICES[name].portEnv]));
    }
    const dependencies = JSON.parse(revision.metadata.annotations?.['run.googleapis.com/container-dependencies'] ?? '{}') as Record<string, string[]>;
    expect(dependencies).toEqual({ gateway: [...sidecars] });

    // Every sidecar's own ports differ: they share the instance's network.
    const ports = sidecars.flatMap((name) => [SERVICES[name].portEnv, SERVICES[name].metricsPortEnv!].map((variable) => runtimeEnv(containers[name])[variable]));
    expect(new Set([...ports, String(SERVICES.gateway.port)]).size).toBe(ports.length + 1);

    // Long enough for the gateway's own deadline; within an instance's 8 vCPU.
    expect((revision.spec.timeoutSeconds ?? 0) * 1000).toBeGreaterThan(Number(gateway.REQUEST_TIMEOUT_MS));
    expect(revision.spec.containers.reduce((sum, container) => sum + cores(container.resources?.limits?.cpu), 0)).toBeLessThanOrEqual(8);
  });

  it('runs the gateway on its own, dialling each gRPC service\'s run.app URL over TLS with the system\'s roots', () => {
    const revision = revisionOf(files.gateway);
    expect(revision.spec.containers.map((container) => container.name)).toEqual(['gateway']);
    const [gateway] = revision.spec.containers;
    expect(gateway.ports).toEqual([{ name: 'http1', containerPort: SERVICES.gateway.port }]);
    const env = runtimeEnv(gateway);
    // Cloud Run's front end holds a public certificate and speaks h2c to the containers.
    expect(env.GRPC_TLS).toBe('system');
    for (const [variable, name] of [['TILER_ADDR', 'tiler'], ['CLASSIFIER_ADDRS', 'classifier'], ['UGLY_DUCKLING_ADDR', 'ugly-duckling']] as const) {
      expect(env[variable], variable).toMatch(new RegExp(`^${name}-[A-Z0-9_]+\\.[a-z0-9-]+\\.run\\.app:443$`));
      expect(files[name].metadata.annotations?.['run.googleapis.com/ingress'], name).toBe('internal');
    }
    // Internal ingress accepts another Cloud Run service's calls only through the VPC.
    const annotations = revision.metadata.annotations ?? {};
    expect(annotations['run.googleapis.com/vpc-access-egress']).toBe('all-traffic');
    expect(JSON.parse(annotations['run.googleapis.com/network-interfaces'] ?? '[]')).toHaveLength(1);
    expect((revision.spec.timeoutSeconds ?? 0) * 1000).toBeGreaterThan(Number(env.REQUEST_TIMEOUT_MS));
  });
});
