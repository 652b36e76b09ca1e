import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { envProblems, repoPath, SERVICE_NAMES, SERVICES } from './support/services.js';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; args?: Record<string, string> };
  environment?: Record<string, string | number>;
  expose?: (string | number)[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  mem_limit?: string;
  read_only?: boolean;
  cap_drop?: string[];
  volumes?: string[];
}

/** KEY=VALUE lines; # starts a comment line. The subset compose reads that .env uses. */
function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2].trim();
  }
  return env;
}

// ${NAME} or ${NAME:-default}: the forms of interpolation the compose file uses.
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces every reference as compose would with env; names without value or default are listed. */
function interpolate(value: unknown, env: Record<string, string>, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_, name: string, fallback?: string) => {
      if (env[name] !== undefined && env[name] !== '') return env[name];
      if (fallback === undefined) missing.add(name);
      return fallback ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env, missing));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env, missing)]));
  return value;
}

describe('docker-compose.yml with .env', () => {
  let text: string;
  let dotEnv: Record<string, string>;
  let services: Record<string, ComposeService>;
  const missing = new Set<string>();

  beforeAll(async () => {
    text = await readFile(repoPath('docker-compose.yml'), 'utf8');
    dotEnv = parseDotEnv(await readFile(repoPath('.env'), 'utf8'));
    // merge: the file shares its hardening settings through YAML merge keys (<<).
    const raw = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
    services = interpolate(raw.services, dotEnv, missing) as Record<string, ComposeService>;
  });

  it('parses with the installed compose tool', async (context) => {
    const tool = await composeTool();
    if (!tool) {
      context.skip('neither docker-compose nor docker compose is installed (scripts/setup.sh installs docker-compose)');
      return;
    }
    const { stdout } = await run(tool[0], [...tool.slice(1), '--project-directory', repoPath(), '-f', repoPath('docker-compose.yml'), 'config'], { cwd: repoPath() });
    const resolved = parse(stdout) as { services: Record<string, ComposeService> };
    expect(Object.keys(resolved.services).sort()).toEqual(['classifier', 'gateway', 'prometheus', 'tiler', 'ugly-duckling']);
    expect(resolved.services.gateway.environment?.CLASSIFIER_ADDRS).toBe(dotEnv.CLASSIFIER_ADDRS);
  });

  it('has every referenced variable in .env (or a default) and nothing unused in .env', () => {
    expect([...missing]).toEqual([]);
    const referenced = new Set([...text.matchAll(REFERENCE)].map((match) => match[1]));
    expect(Object.keys(dotEnv).filter((name) => !referenced.has(name))).toEqual([]);
  });

  it('builds each service from its own target of the Dockerfile', async () => {
    const dockerfile = await readFile(repoPath('Dockerfile'), 'utf8');
    // FROM <image> AS <stage>: the stage names a --target can pick.
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)\s*$/gim)].map((match) => match[1]);
    for (const name of SERVICE_NAMES) {
      expect(services[name].build?.target, name).toBe(name);
      expect(stages, name).toContain(name);
      expect(services[name].image, name).toMatch(new RegExp(`^skinlesion/${name}:[\\w.-]+$`));
    }
  });

  it('gives each service only variables its config reads, and values it accepts', async () => {
    for (const name of SERVICE_NAMES) {
      const env = Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([key, value]) => [key, String(value)]));
      expect(await envProblems(name, env, `compose service ${name}`), name).toEqual([]);
    }
  });

  it('checks health on the port each service listens on, and exposes its ports', () => {
    for (const name of SERVICE_NAMES) {
      const facts = SERVICES[name];
      const env = services[name].environment ?? {};
      const port = String(env[facts.portEnv]);
      const test = services[name].healthcheck?.test ?? [];
      expect(test.slice(0, 5), name).toEqual(['CMD', 'node', '/app/healthcheck.mjs', facts.protocol, `${facts.portEnv}:${port}`]);
      if (facts.metricsPortEnv) {
        expect(services[name].expose?.map(String).sort(), name).toEqual([port, String(env[facts.metricsPortEnv])].sort());
      }
      expect(services[name].mem_limit, name).toBeTruthy();
      expect(services[name].read_only, name).toBe(true);
      expect(services[name].cap_drop, name).toEqual(['ALL']);
    }
  });

  it('lets the classifier scale and the gateway find every replica through DNS', () => {
    expect(services.classifier.container_name).toBeUndefined();
    expect(services.classifier.ports).toBeUndefined();
    const gateway = services.gateway.environment ?? {};
    expect(gateway.CLASSIFIER_ADDRS).toBe(`dns:///classifier:${services.classifier.environment?.CLASSIFIER_PORT}`);
    expect(gateway.TILER_ADDR).toBe(`tiler:${services.tiler.environment?.TILER_PORT}`);
    expect(gateway.UGLY_DUCKLING_ADDR).toBe(`ugly-duckling:${services['ugly-duckling'].environment?.UGLY_DUCKLING_PORT}`);
    expect(services.gateway.depends_on).toEqual({
      tiler: { condition: 'service_healthy' },
      classifier: { condition: 'service_healthy' },
      'ugly-duckling': { condition: 'service_healthy' },
    });
    // Published on the host as <address>:<host port>:<container port>.
    expect(services.gateway.ports).toEqual([`${dotEnv.PUBLISH_ADDRESS}:${dotEnv.GATEWAY_PUBLISHED_PORT}:${gateway.PORT}`]);
  });

  it('has Prometheus scrape every service at its metrics port', async () => {
    const mount = services.prometheus.volumes?.find((volume) => volume.endsWith(':/etc/prometheus/prometheus.yml:ro'));
    const file = mount?.split(':')[0] ?? '';
    expect(existsSync(repoPath(file))).toBe(true);
    const config = parse(await readFile(repoPath(file), 'utf8'), { merge: true }) as {
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    expect(config.scrape_configs.map((job) => job.job_name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const job of config.scrape_configs) {
      const name = job.job_name as (typeof SERVICE_NAMES)[number];
      const env = services[name].environment ?? {};
      const metricsPort = String(env[SERVICES[name].metricsPortEnv ?? SERVICES[name].portEnv]);
      const targets = [
        ...(job.static_configs ?? []).flatMap((entry) => entry.targets),
        ...(job.dns_sd_configs ?? []).flatMap((entry) => entry.names.map((host) => `${host}:${entry.port}`)),
      ];
      expect(targets, name).toEqual([`${name}:${metricsPort}`]);
    }
    // Every replica of the scalable classifier, not just the first to answer.
    expect(config.scrape_configs.find((job) => job.job_name === 'classifier')?.dns_sd_configs).toBeDefined();
  });
});

/** docker-compose (1.x, Debian's) or the docker CLI's compose plugin, whichever is installed. */
async function composeTool(): Promise<string[] | undefined> {
  for (const candidate of [['docker-compose'], ['docker', 'compose']]) {
    try {
      await run(candidate[0], [...candidate.slice(1), 'version']);
      return candidate;
    } catch {
      // Not installed: try the next.
    }
  }
  return undefined;
}
