import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMapData, deploymentSpec, describeObject, kustomize, named, ofKind, type Container, type K8sObject } from './support/manifests.js';
import { policyProblems, reachableBeyondGateway } from './support/policy.js';
import { schemaProblems } from './support/schemas.js';
import { repoPath, SERVICE_NAMES } from './support/services.js';

const K8S = repoPath('deploy', 'k8s');
const rendered: Record<string, K8sObject[]> = {};
let scratch: string;

/** A deep copy to break on purpose. */
const copy = (objects: readonly K8sObject[]): K8sObject[] => structuredClone(objects) as K8sObject[];
const containerOf = (objects: readonly K8sObject[], name: string): Container => deploymentSpec(named(objects, 'Deployment', name)!).template.spec.containers[0];

beforeAll(async () => {
  // The queue-wait autoscaling component is the documented alternative to the gke overlay's CPU
  // one: render it too, on the base, from a kustomization outside the repository.
  scratch = await mkdtemp(path.join(tmpdir(), 'skinlesion-kustomize-'));
  const relative = (target: string) => path.relative(scratch, target);
  await writeFile(
    path.join(scratch, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: skinlesion',
      'resources:',
      `  - ${relative(path.join(K8S, 'base'))}`,
      'components:',
      `  - ${relative(path.join(K8S, 'components', 'classifier-autoscaling-queue-wait'))}`,
      'images:',
      ...SERVICE_NAMES.map((service) => `  - name: skinlesion/${service}\n    newTag: test`),
      '',
    ].join('\n'),
  );
  const [dev, gke, queueWait] = await Promise.all([kustomize(path.join(K8S, 'overlays', 'dev')), kustomize(path.join(K8S, 'overlays', 'gke')), kustomize(scratch)]);
  Object.assign(rendered, { dev, gke, 'base + queue-wait autoscaling': queueWait });
}, 60_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const variants = () => Object.entries(rendered);

describe('deploy/k8s rendered with kubectl kustomize', () => {
  it('renders both overlays into the same set of objects per service', () => {
    for (const [variant, objects] of variants()) {
      for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'ConfigMap']) {
        expect(ofKind(objects, kind).map((object) => object.metadata.name.replace(/-[a-z0-9]{10}$/, '')).sort(), `${variant} ${kind}`).toEqual([...SERVICE_NAMES].sort());
      }
      expect(ofKind(objects, 'NetworkPolicy').map((policy) => policy.metadata.name).sort(), variant).toEqual(['default-deny', ...SERVICE_NAMES].sort());
      expect(objects.every((object) => object.kind === 'Namespace' || object.metadata.namespace === 'skinlesion'), variant).toBe(true);
    }
    expect(ofKind(rendered.dev, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(rendered.gke, 'HorizontalPodAutoscaler').map((hpa) => hpa.metadata.name)).toEqual(['classifier']);
    expect(ofKind(rendered.gke, 'Ingress')).toHaveLength(1);
  });

  it('validates every object against the Kubernetes schemas, with no unknown or misspelled field', async () => {
    // One compiler run for all variants: building the type-checker is most of the cost.
    const variantOf = new Map(variants().flatMap(([variant, objects]) => objects.map((object) => [object, variant] as const)));
    expect(await schemaProblems([...variantOf.keys()], (object) => `${variantOf.get(object)}: ${describeObject(object)}`)).toEqual([]);
  });

  it('catches a misspelled field and a wrongly typed value', async () => {
    const broken = copy(rendered.dev);
    (containerOf(broken, 'tiler') as unknown as Record<string, unknown>).imagePullPolicyy = 'Always';
    const classifierPorts = containerOf(broken, 'classifier').ports!;
    (classifierPorts[0] as unknown as Record<string, unknown>).containerPort = 'fifty';
    const problems = await schemaProblems(broken);
    expect(problems.join('\n')).toMatch(/Deployment\/tiler: .*'"imagePullPolicyy"' does not exist in type 'IContainer'/);
    expect(problems.join('\n')).toMatch(/Deployment\/classifier: .*containerPort must be integer/);
  });

  it('keeps every policy: resources, probes, hardening, selectors, ports, configuration, drain time', async () => {
    for (const [variant, objects] of variants()) expect(await policyProblems(objects), variant).toEqual([]);
  });

  it('reports each kind of policy violation', async () => {
    const broken = copy(rendered.gke);
    const tiler = containerOf(broken, 'tiler');
    delete tiler.readinessProbe;
    tiler.securityContext!.readOnlyRootFilesystem = false;
    delete tiler.resources!.limits!.memory;
    const gateway = containerOf(broken, 'gateway');
    gateway.env = [{ name: 'TILER_ADRR', value: 'tiler:50051' }];
    const classifier = named(broken, 'Service', 'classifier')!;
    (classifier.spec as { ports: { targetPort: string }[] }).ports[0].targetPort = 'grcp';
    configMapData(broken, 'ugly-duckling').UGLY_DUCKLING_PORT = '50054';
    deploymentSpec(named(broken, 'Deployment', 'classifier')!).replicas = 3;

    const problems = (await policyProblems(broken)).join('\n');
    expect(problems).toMatch(/tiler container tiler: no readinessProbe/);
    expect(problems).toMatch(/tiler container tiler: root filesystem is not read-only/);
    expect(problems).toMatch(/tiler container tiler: no memory limits/);
    expect(problems).toMatch(/gateway: TILER_ADRR is not read by services\/gateway\/src\/config.ts/);
    expect(problems).toMatch(/Service\/classifier: port grpc targets grcp/);
    expect(problems).toMatch(/ugly-duckling: UGLY_DUCKLING_PORT=50054 is not a container port/);
    expect(problems).toMatch(/HorizontalPodAutoscaler\/classifier: Deployment\/classifier also sets replicas/);
  });

  it('lets only the gateway reach the gRPC ports of the internal services', () => {
    for (const [variant, objects] of variants()) expect(reachableBeyondGateway(objects), variant).toEqual([]);
    const open = copy(rendered.dev);
    const tilerPolicy = named(open, 'NetworkPolicy', 'tiler')!;
    (tilerPolicy.spec as { ingress: unknown[] }).ingress.push({ ports: [{ port: 'grpc' }] });
    expect(reachableBeyondGateway(open)).toEqual(["NetworkPolicy/tiler: lets more than the gateway reach tiler's gRPC port"]);
  });

  it('serves the classifier through a headless Service that the gateway resolves to every pod', () => {
    for (const [variant, objects] of variants()) {
      expect((named(objects, 'Service', 'classifier')!.spec as { clusterIP?: string }).clusterIP, variant).toBe('None');
      expect(configMapData(objects, 'gateway').CLASSIFIER_ADDRS, variant).toBe('dns:///classifier:50052');
    }
  });

  it('autoscales the classifier on CPU (gke) or on the prometheus-adapter queue-wait metric (component)', async () => {
    const adapter = parse(await readFile(repoPath('deploy', 'prometheus', 'adapter-values.yaml'), 'utf8')) as {
      rules: { custom: { name: { as: string } }[] };
    };
    const served = adapter.rules.custom.map((rule) => rule.name.as);

    type Metric = { type: string; resource?: { name: string }; pods?: { metric: { name: string } } };
    const metricsOf = (objects: K8sObject[]) => (named(objects, 'HorizontalPodAutoscaler', 'classifier')!.spec as { metrics: Metric[]; minReplicas: number }).metrics;
    expect(metricsOf(rendered.gke).map((metric) => metric.resource?.name)).toEqual(['cpu']);
    const custom = metricsOf(rendered['base + queue-wait autoscaling']).filter((metric) => metric.type === 'Pods');
    expect(custom).toHaveLength(1);
    expect(served).toContain(custom[0].pods!.metric.name);
    for (const variant of ['gke', 'base + queue-wait autoscaling']) {
      expect(deploymentSpec(named(rendered[variant], 'Deployment', 'classifier')!).replicas, variant).toBeUndefined();
    }
  });

  it('puts the gke gateway behind a GKE Ingress whose BackendConfig outlasts the request deadline', () => {
    const service = named(rendered.gke, 'Service', 'gateway')!;
    const backend = JSON.parse(service.metadata.annotations!['cloud.google.com/backend-config']) as { default: string };
    const config = named(rendered.gke, 'BackendConfig', backend.default)!;
    const gatewayEnv = configMapData(rendered.gke, 'gateway');
    const spec = config.spec as { timeoutSec: number; healthCheck: { requestPath: string; port: number } };
    expect(spec.timeoutSec * 1000).toBeGreaterThan(Number(gatewayEnv.REQUEST_TIMEOUT_MS));
    expect(spec.healthCheck).toMatchObject({ requestPath: '/readyz', port: Number(gatewayEnv.PORT) });
    const ingress = ofKind(rendered.gke, 'Ingress')[0].spec as { defaultBackend: { service: { name: string; port: { name: string } } } };
    expect(ingress.defaultBackend.service).toEqual({ name: 'gateway', port: { name: 'http' } });
  });

  it('enforces the restricted Pod Security profile on the namespace', () => {
    for (const [variant, objects] of variants()) {
      expect(ofKind(objects, 'Namespace')[0].metadata.labels?.['pod-security.kubernetes.io/enforce'], variant).toBe('restricted');
    }
  });
});
