import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A Kubernetes object as plain data, the way kubectl would send it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Every kind has its own shape: callers narrow with the helpers below.
  [field: string]: unknown;
}

/**
 * `kubectl kustomize <dir>`, parsed. kubectl (with its built-in kustomize) is a prerequisite of
 * these tests, installed with the project's tools; without it the test fails saying so.
 */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 32 * 1024 * 1024 }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error('kubectl is not installed: the Kubernetes manifests cannot be rendered (install kubectl, which includes kustomize)');
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${failure.stderr?.trim() || failure.message}`);
  }
  return parseObjects(stdout, dir);
}

/** Every YAML document of a file (Cloud Run manifests and the like). */
export async function readObjects(file: string): Promise<K8sObject[]> {
  return parseObjects(await readFile(file, 'utf8'), file);
}

function parseObjects(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${source}: ${document.errors[0].message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export const describeObject = (object: K8sObject): string => `${object.kind}/${object.metadata?.name}`;

export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function named(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

// The parts of the core types that the policy checks read.
export interface ContainerPort {
  name?: string;
  containerPort: number;
}
export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}
export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}
export interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  topologySpreadConstraints?: { labelSelector?: LabelSelector }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** The data of the ConfigMap generated for a service (its name carries a content hash). */
export function configMapData(objects: readonly K8sObject[], service: string): Record<string, string> {
  const map = ofKind(objects, 'ConfigMap').find((object) => object.metadata.name.replace(/-[a-z0-9]{10}$/, '') === service);
  if (!map) throw new Error(`no ConfigMap for ${service}`);
  return ((map as { data?: Record<string, string> }).data ??= {});
}

export const deploymentSpec = (object: K8sObject) =>
  object.spec as { replicas?: number; selector: LabelSelector; template: PodTemplate };

/** True when every matchLabels pair is among labels (an empty selector matches everything). */
export function selects(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const wanted = selector && 'matchLabels' in selector ? (selector as LabelSelector).matchLabels : (selector as Record<string, string> | undefined);
  return Object.entries(wanted ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** The environment a container starts with: env values plus every key of its envFrom ConfigMaps. */
export function containerEnv(container: Container, objects: readonly K8sObject[]): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (!name) {
      problems.push(`container ${container.name}: envFrom other than a ConfigMap`);
      continue;
    }
    const map = named(objects, 'ConfigMap', name);
    if (!map) problems.push(`container ${container.name}: ConfigMap ${name} does not exist`);
    else Object.assign(env, (map as { data?: Record<string, string> }).data ?? {});
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else problems.push(`container ${container.name}: ${variable.name} has no literal value to check`);
  }
  return { env, problems };
}
