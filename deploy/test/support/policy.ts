import { parseDnsTarget } from '../../../packages/grpc-kit/src/replica-pool.js';
import {
  containerEnv,
  deploymentSpec,
  describeObject,
  named,
  ofKind,
  selects,
  type Container,
  type K8sObject,
  type LabelSelector,
  type PodTemplate,
  type Probe,
} from './manifests.js';
import { envProblems, SERVICE_NAMES, SERVICES, type ServiceName } from './services.js';

/**
 * The rules every rendered overlay must keep, as a list of violations (empty = all kept):
 * resources, probes and hardening on every container; names, selectors and ports that refer
 * to things that exist; configuration the services accept; drain times that add up.
 */
export async function policyProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  const pods = ofKind(objects, 'Deployment').map((deployment) => ({ deployment, template: deploymentSpec(deployment).template }));

  for (const { deployment, template } of pods) {
    const where = describeObject(deployment);
    const spec = deploymentSpec(deployment);
    if (!selects(spec.selector, template.metadata?.labels)) problems.push(`${where}: selector does not match its pod labels`);
    problems.push(...podProblems(where, template, objects));
    for (const container of template.spec.containers) {
      problems.push(...containerProblems(`${where} container ${container.name}`, container, template));
      problems.push(...(await serviceConfigProblems(`${where} container ${container.name}`, container, template, objects)));
    }
  }

  for (const service of ofKind(objects, 'Service')) problems.push(...serviceProblems(service, pods));
  for (const budget of ofKind(objects, 'PodDisruptionBudget')) {
    const selector = (budget.spec as { selector?: LabelSelector }).selector;
    if (!pods.some(({ template }) => selects(selector, template.metadata?.labels))) problems.push(`${describeObject(budget)}: selects no pods`);
  }
  for (const policy of ofKind(objects, 'NetworkPolicy')) problems.push(...networkPolicyProblems(policy, pods));
  for (const autoscaler of ofKind(objects, 'HorizontalPodAutoscaler')) {
    const target = (autoscaler.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    const scaled = named(objects, target.kind, target.name);
    if (!scaled) problems.push(`${describeObject(autoscaler)}: scales ${target.kind}/${target.name}, which does not exist`);
    else if (deploymentSpec(scaled).replicas !== undefined) {
      problems.push(`${describeObject(autoscaler)}: ${target.kind}/${target.name} also sets replicas, which every apply would reset`);
    }
  }
  return problems;
}

function podProblems(where: string, template: PodTemplate, objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const spec = template.spec;
  if (spec.securityContext?.runAsNonRoot !== true) problems.push(`${where}: pod securityContext.runAsNonRoot is not true`);
  if (spec.securityContext?.runAsUser === 0) problems.push(`${where}: pod runs as uid 0`);
  if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}: pod seccompProfile is not RuntimeDefault`);
  if (spec.hostNetwork || spec.hostPID) problems.push(`${where}: pod shares the host's network or process namespace`);
  if (!spec.serviceAccountName || !named(objects, 'ServiceAccount', spec.serviceAccountName)) {
    problems.push(`${where}: its ServiceAccount ${spec.serviceAccountName ?? '(default)'} is not one of ours`);
  }
  if (spec.automountServiceAccountToken !== false) problems.push(`${where}: mounts a service account token it never uses`);
  for (const constraint of spec.topologySpreadConstraints ?? []) {
    if (!selects(constraint.labelSelector, template.metadata?.labels)) problems.push(`${where}: a topology spread constraint does not select its own pods`);
  }
  return problems;
}

function containerProblems(where: string, container: Container, template: PodTemplate): string[] {
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[kind]?.[resource] === undefined) problems.push(`${where}: no ${resource} ${kind}`);
    }
  }
  const security = container.securityContext;
  if (security?.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is not read-only`);
  if (security?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (security?.privileged) problems.push(`${where}: privileged`);
  if (!security?.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities are not all dropped`);
  if ((security?.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
  if (security?.runAsUser === 0) problems.push(`${where}: runs as uid 0`);
  if (!container.image || !/:[\w.-]+$|@sha256:[0-9a-f]{64}$/.test(container.image) || container.image.endsWith(':latest')) {
    problems.push(`${where}: image ${container.image} has no fixed tag or digest`);
  }

  const ports = container.ports ?? [];
  for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const probe = container[probeName];
    if (!probe) {
      problems.push(`${where}: no ${probeName}`);
      continue;
    }
    const port = probePort(probe);
    if (port === undefined) problems.push(`${where}: ${probeName} has no port`);
    else if (!ports.some((declared) => declared.containerPort === port || declared.name === port)) {
      problems.push(`${where}: ${probeName} probes port ${port}, which the container does not declare`);
    }
  }

  const annotations = template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] === 'true') {
    const port = Number(annotations['prometheus.io/port']);
    if (!ports.some((declared) => declared.containerPort === port)) problems.push(`${where}: prometheus.io/port ${annotations['prometheus.io/port']} is not a container port`);
  }
  return problems;
}

function probePort(probe: Probe): number | string | undefined {
  return probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
}

/**
 * The container's configuration as its service reads it: every variable known, the service
 * willing to start with them, its ports those the pod declares and probes, and a termination
 * grace long enough for preStop plus the service's own drain.
 */
async function serviceConfigProblems(where: string, container: Container, template: PodTemplate, objects: readonly K8sObject[]): Promise<string[]> {
  if (!(SERVICE_NAMES as readonly string[]).includes(container.name)) return [`${where}: not named after one of the services (${SERVICE_NAMES.join(', ')})`];
  const service = container.name as ServiceName;
  const facts = SERVICES[service];
  const { env, problems } = containerEnv(container, objects);
  problems.push(...(await envProblems(service, env, where)));

  const ports = container.ports ?? [];
  const mainPort = Number(env[facts.portEnv] ?? facts.port);
  const main = ports.find((declared) => declared.containerPort === mainPort);
  if (!main) problems.push(`${where}: ${facts.portEnv}=${mainPort} is not a container port`);
  else if (facts.protocol === 'grpc') {
    for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      if (container[probeName]?.grpc?.port !== mainPort) problems.push(`${where}: ${probeName} is not a gRPC health check on ${facts.portEnv}=${mainPort}`);
    }
  }
  if (facts.metricsPortEnv) {
    const metricsPort = Number(env[facts.metricsPortEnv] ?? facts.metricsPort);
    if (!ports.some((declared) => declared.containerPort === metricsPort)) problems.push(`${where}: ${facts.metricsPortEnv}=${metricsPort} is not a container port`);
  }

  const sleep = container.lifecycle?.preStop?.sleep?.seconds;
  if (sleep === undefined) problems.push(`${where}: no preStop sleep to let endpoints drop the pod before SIGTERM`);
  const graceMs = Number(env.SHUTDOWN_GRACE_MS);
  if (!Number.isFinite(graceMs)) problems.push(`${where}: SHUTDOWN_GRACE_MS is not set, so the drain time is not visible here`);
  const termination = template.spec.terminationGracePeriodSeconds ?? 30;
  if ((sleep ?? 0) + graceMs / 1000 >= termination) {
    problems.push(`${where}: terminationGracePeriodSeconds ${termination} s does not cover preStop ${sleep ?? 0} s + SHUTDOWN_GRACE_MS ${graceMs} ms`);
  }

  if (service === 'gateway') problems.push(...gatewayTargetProblems(where, env, objects));
  return problems;
}

/** Each backend address of the gateway names one of our Services and a port it serves. */
function gatewayTargetProblems(where: string, env: Record<string, string>, objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const targets: [string, ServiceName][] = [
    ['TILER_ADDR', 'tiler'],
    ['CLASSIFIER_ADDRS', 'classifier'],
    ['UGLY_DUCKLING_ADDR', 'ugly-duckling'],
  ];
  for (const [variable, service] of targets) {
    for (const address of (env[variable] ?? '').split(',').filter(Boolean)) {
      // host:port after an optional dns:[//authority/] prefix; the host's first label is the Service.
      const hostPort = /([^/:.[\]]+)(?:\.[^/:]*)?:(\d+)$/.exec(address);
      if (!hostPort) {
        problems.push(`${where}: ${variable}=${address} has no host:port`);
        continue;
      }
      const [, host, port] = hostPort;
      const target = named(objects, 'Service', host);
      const servicePorts = ((target?.spec as { ports?: { port: number }[] } | undefined)?.ports ?? []).map((entry) => entry.port);
      if (host !== service) problems.push(`${where}: ${variable} points at ${host}, not ${service}`);
      if (!target) problems.push(`${where}: ${variable}=${address}: no Service ${host}`);
      else if (!servicePorts.includes(Number(port))) problems.push(`${where}: ${variable}=${address}: Service ${host} has no port ${port}`);
      const headless = (target?.spec as { clusterIP?: string } | undefined)?.clusterIP === 'None';
      if (service === 'classifier' && !(parseDnsTarget(address) && headless)) {
        problems.push(`${where}: ${variable}=${address} must be a dns: target of a headless Service, so calls spread over every classifier pod`);
      }
    }
  }
  return problems;
}

interface Pods {
  readonly deployment: K8sObject;
  readonly template: PodTemplate;
}

function serviceProblems(service: K8sObject, pods: readonly Pods[]): string[] {
  const where = describeObject(service);
  const spec = service.spec as { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
  const selected = pods.filter(({ template }) => selects(spec.selector, template.metadata?.labels));
  if (!spec.selector || selected.length === 0) return [`${where}: selects no pods`];
  const problems: string[] = [];
  for (const port of spec.ports ?? []) {
    const target = port.targetPort ?? port.port;
    const served = selected.every(({ template }) =>
      template.spec.containers.some((container) => (container.ports ?? []).some((declared) => declared.containerPort === target || declared.name === target)),
    );
    if (!served) problems.push(`${where}: port ${port.name ?? port.port} targets ${target}, which its pods do not declare`);
  }
  return problems;
}

function networkPolicyProblems(policy: K8sObject, pods: readonly Pods[]): string[] {
  const where = describeObject(policy);
  type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector };
  type Rule = { from?: Peer[]; to?: Peer[]; ports?: { port?: number | string }[] };
  const spec = policy.spec as { podSelector: LabelSelector; ingress?: Rule[]; egress?: Rule[] };
  const problems: string[] = [];
  const selected = pods.filter(({ template }) => selects(spec.podSelector, template.metadata?.labels));
  if (selected.length === 0) problems.push(`${where}: applies to no pods`);
  const declares = (group: readonly Pods[], port: number | string) =>
    group.every(({ template }) => template.spec.containers.some((container) => (container.ports ?? []).some((declared) => declared.containerPort === port || declared.name === port)));

  for (const rule of spec.ingress ?? []) {
    for (const peer of rule.from ?? []) {
      if (peer.podSelector && !peer.namespaceSelector && !pods.some(({ template }) => selects(peer.podSelector, template.metadata?.labels))) {
        problems.push(`${where}: ingress from pods that do not exist`);
      }
    }
    for (const { port } of rule.ports ?? []) {
      if (port !== undefined && !declares(selected, port)) problems.push(`${where}: ingress port ${port} is not a port of the pods it applies to`);
    }
  }
  for (const rule of spec.egress ?? []) {
    for (const peer of rule.to ?? []) {
      if (!peer.podSelector || peer.namespaceSelector) continue;
      const peers = pods.filter(({ template }) => selects(peer.podSelector, template.metadata?.labels));
      if (peers.length === 0) problems.push(`${where}: egress to pods that do not exist`);
      for (const { port } of rule.ports ?? []) {
        if (port !== undefined && peers.length > 0 && !declares(peers, port)) problems.push(`${where}: egress port ${port} is not a port of the pods it goes to`);
      }
    }
  }
  return problems;
}

/**
 * Every internal service is reached only from the gateway: some policy lets the gateway's pods
 * in, and no policy lets anyone else reach its gRPC port. Returns the services for which that
 * does not hold.
 */
export function reachableBeyondGateway(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const defaultDeny = ofKind(objects, 'NetworkPolicy').some((policy) => {
    const spec = policy.spec as { podSelector: LabelSelector; policyTypes?: string[]; ingress?: unknown[] };
    return Object.keys(spec.podSelector.matchLabels ?? {}).length === 0 && spec.policyTypes?.includes('Ingress') && !spec.ingress?.length;
  });
  if (!defaultDeny) problems.push('no default-deny ingress policy for the namespace');
  for (const service of SERVICE_NAMES.filter((name) => name !== 'gateway')) {
    const grpcPort = SERVICES[service].port;
    for (const policy of ofKind(objects, 'NetworkPolicy')) {
      const spec = policy.spec as {
        podSelector: LabelSelector;
        ingress?: { from?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[]; ports?: { port?: number | string }[] }[];
      };
      if (!selects(spec.podSelector, { 'app.kubernetes.io/name': service }) || Object.keys(spec.podSelector.matchLabels ?? {}).length === 0) continue;
      for (const rule of spec.ingress ?? []) {
        const coversGrpc = !rule.ports?.length || rule.ports.some(({ port }) => port === grpcPort || port === 'grpc');
        const onlyGateway = (rule.from ?? []).length > 0 && (rule.from ?? []).every((peer) => !peer.namespaceSelector && peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'gateway');
        if (coversGrpc && !onlyGateway) problems.push(`${describeObject(policy)}: lets more than the gateway reach ${service}'s gRPC port`);
      }
    }
  }
  return problems;
}
