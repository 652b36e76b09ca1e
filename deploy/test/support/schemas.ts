import path from 'node:path';
import ts from 'typescript';
import { describeObject, type K8sObject } from './manifests.js';
import { repoPath } from './services.js';

/**
 * Two checks against the Kubernetes API types of the kubernetes-models package:
 *
 * 1. its JSON-schema validators (types, formats, required fields, enums) on every object;
 * 2. unknown or misspelled fields, which those schemas let through (the Kubernetes OpenAPI
 *    schemas do not forbid extra properties, and the API server drops them silently): every
 *    object becomes an object literal typed with the package's interface for its kind, and the
 *    TypeScript compiler's excess-property check names any field the type does not have, at any
 *    depth.
 *
 * Kinds outside the core API have no published types here; they are declared below from their
 * documentation and checked the same way.
 */
export async function schemaProblems(objects: readonly K8sObject[], describe: (object: K8sObject) => string = describeObject): Promise<string[]> {
  return [...(await validatorProblems(objects, describe)), ...excessFieldProblems(objects, describe)];
}

/** Core API groups: apiVersion "v1" or "<group>/<version>" maps to kubernetes-models/<that>/<Kind>. */
const CORE_GROUPS = new Set(['v1', 'apps', 'policy', 'autoscaling', 'networking.k8s.io', 'batch', 'rbac.authorization.k8s.io']);

/** Kinds declared below, by apiVersion and kind. */
const DECLARED: Record<string, string> = {
  'cloud.google.com/v1 BackendConfig': 'BackendConfig',
  'serving.knative.dev/v1 Service': 'KnativeService',
};

const isCore = (object: K8sObject) => CORE_GROUPS.has(object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : object.apiVersion);

interface ModelClass {
  new (data: unknown): { validate(): void };
}

async function validatorProblems(objects: readonly K8sObject[], describe: (object: K8sObject) => string): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    let target: { model: string; data: unknown } | undefined;
    if (isCore(object)) target = { model: `${object.apiVersion}/${object.kind}`, data: object };
    else if (DECLARED[`${object.apiVersion} ${object.kind}`] === 'KnativeService') {
      // A Knative revision's spec is a PodSpec plus its own four fields.
      const { containerConcurrency, timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds, ...podSpec } = knativeRevisionSpec(object);
      void [containerConcurrency, timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds];
      target = { model: 'v1/PodSpec', data: podSpec };
    } else if (!DECLARED[`${object.apiVersion} ${object.kind}`]) {
      problems.push(`${describe(object)}: ${object.apiVersion} ${object.kind} has no schema to check against`);
    }
    if (!target) continue;
    let Model: ModelClass;
    try {
      const module = (await import(`kubernetes-models/${target.model}`)) as Record<string, ModelClass>;
      Model = module[target.model.split('/').pop() as string];
    } catch {
      problems.push(`${describe(object)}: no kind ${object.kind} in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(target.data).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function knativeRevisionSpec(object: K8sObject): Record<string, unknown> {
  return ((object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec ?? {}) as Record<string, unknown>;
}

/** Declarations of the non-core kinds, from their reference documentation. */
const DECLARATIONS = `
type ObjectMeta = NonNullable<import('kubernetes-models/apps/v1/Deployment').IDeployment['metadata']>;
type PodSpec = import('kubernetes-models/v1/PodSpec').IPodSpec;

/** GKE's BackendConfig (cloud.google.com/v1), as its reference documents it. */
interface BackendConfig {
  apiVersion: 'cloud.google.com/v1';
  kind: 'BackendConfig';
  metadata: ObjectMeta;
  spec: {
    timeoutSec?: number;
    connectionDraining?: { drainingTimeoutSec?: number };
    healthCheck?: {
      checkIntervalSec?: number; timeoutSec?: number; healthyThreshold?: number; unhealthyThreshold?: number;
      type?: 'HTTP' | 'HTTPS' | 'HTTP2'; requestPath?: string; port?: number;
    };
    sessionAffinity?: { affinityType?: 'CLIENT_IP' | 'GENERATED_COOKIE' | 'NONE'; affinityCookieTtlSec?: number };
    logging?: { enable?: boolean; sampleRate?: number };
    securityPolicy?: { name: string };
    cdn?: { enabled?: boolean; cachePolicy?: Record<string, unknown> };
    iap?: { enabled: boolean; oauthclientCredentials?: { secretName: string } };
    customRequestHeaders?: { headers: string[] };
    customResponseHeaders?: { headers: string[] };
  };
}

/** A Knative Serving Service (serving.knative.dev/v1), the form Cloud Run deploys. */
interface KnativeService {
  apiVersion: 'serving.knative.dev/v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    template: {
      metadata?: ObjectMeta;
      spec: PodSpec & { containerConcurrency?: number; timeoutSeconds?: number; responseStartTimeoutSeconds?: number; idleTimeoutSeconds?: number };
    };
    traffic?: { percent?: number; latestRevision?: boolean; revisionName?: string; tag?: string }[];
  };
}
`;

/** The checked source lives (virtually) in deploy/test, where kubernetes-models resolves. */
const VIRTUAL_FILE = path.join(repoPath('deploy', 'test'), '__rendered_objects__.ts');

function excessFieldProblems(objects: readonly K8sObject[], describe: (object: K8sObject) => string): string[] {
  const imports = new Map<string, string>();
  const lines: string[] = [];
  objects.forEach((object, index) => {
    const declared = DECLARED[`${object.apiVersion} ${object.kind}`];
    let type: string;
    if (declared) type = declared;
    else if (isCore(object)) {
      type = `I${object.kind}`;
      imports.set(type, `kubernetes-models/${object.apiVersion}/${object.kind}`);
    } else return; // reported by the validator pass
    lines.push(`export const object${index}: ${type} = ${JSON.stringify(object)};`);
  });
  const source = [...[...imports].map(([type, module]) => `import type { ${type} } from '${module}';`), DECLARATIONS, ...lines].join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
    // Object literals and Record are all the checked source uses: the smallest library loads fastest.
    lib: ['lib.es5.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === VIRTUAL_FILE ? ts.createSourceFile(name, source, language) : readSource(name, language, ...rest));
  host.fileExists = (name) => name === VIRTUAL_FILE || fileExists(name);
  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== VIRTUAL_FILE || diagnostic.start === undefined) return message;
    // Name the object the error is in: each one is declared as `object<index>` on its own line.
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const declaration = /^export const object(\d+)/.exec(source.split('\n')[line] ?? '');
    return declaration ? `${describe(objects[Number(declaration[1])])}: ${message}` : message;
  });
}
