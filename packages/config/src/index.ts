/**
 * Typed configuration read once at start-up. Each service declares a spec of fields; loadConfig
 * reads them all, reports every bad or missing key at once, and returns a frozen typed object.
 * This package and each service's config module are the only places that see process.env.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Field<T> {
  readonly env: string;
  readonly doc: string;
  /** Returns the value or throws an Error whose message says what was expected. */
  readonly parse: (raw: string) => T;
  /** Used when the variable is unset or empty; a field without one is required. */
  readonly fallback?: T;
}

type FieldValue<F> = F extends Field<infer T> ? T : never;
export type ConfigOf<S extends Record<string, Field<unknown>>> = { readonly [K in keyof S]: FieldValue<S[K]> };

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig<S extends Record<string, Field<unknown>>>(spec: S, env: Env): ConfigOf<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) {
    const raw = env[field.env]?.trim();
    if (raw === undefined || raw === '') {
      if (field.fallback === undefined) problems.push(`${field.env} is required (${field.doc})`);
      else values[key] = field.fallback;
      continue;
    }
    try {
      values[key] = field.parse(raw);
    } catch (error) {
      problems.push(`${field.env}=${JSON.stringify(raw)}: ${(error as Error).message} (${field.doc})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as ConfigOf<S>;
}

interface Common<T> {
  doc: string;
  fallback?: T;
}

export function str(env: string, options: Common<string>): Field<string> {
  return { env, ...options, parse: (raw) => raw };
}

export function int(env: string, options: Common<number> & { min?: number; max?: number }): Field<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return {
    env,
    doc: options.doc,
    fallback: options.fallback,
    parse: (raw) => {
      // Only plain decimal integers: Number('') and Number('1e3') would slip through otherwise.
      if (!/^-?\d+$/.test(raw)) throw new Error('expected an integer');
      const value = Number(raw);
      if (value < min || value > max) throw new Error(`expected an integer in [${min}, ${max}]`);
      return value;
    },
  };
}

export function num(env: string, options: Common<number> & { min?: number; max?: number }): Field<number> {
  const { min = -Infinity, max = Infinity } = options;
  return {
    env,
    doc: options.doc,
    fallback: options.fallback,
    parse: (raw) => {
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new Error('expected a number');
      if (value < min || value > max) throw new Error(`expected a number in [${min}, ${max}]`);
      return value;
    },
  };
}

export function port(env: string, options: Common<number>): Field<number> {
  return int(env, { ...options, min: 0, max: 65_535 });
}

export function bool(env: string, options: Common<boolean>): Field<boolean> {
  return {
    env,
    doc: options.doc,
    fallback: options.fallback,
    parse: (raw) => {
      const lower = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      throw new Error('expected true or false');
    },
  };
}

export function oneOf<const T extends string>(env: string, choices: readonly T[], options: Common<T>): Field<T> {
  return {
    env,
    doc: options.doc,
    fallback: options.fallback,
    parse: (raw) => {
      if (!(choices as readonly string[]).includes(raw)) throw new Error(`expected one of ${choices.join(', ')}`);
      return raw as T;
    },
  };
}

/** A gRPC target: host:port, [ipv6]:port, or a dns:/// / unix: URI that grpc-js understands. */
export function address(env: string, options: Common<string>): Field<string> {
  return { env, ...options, parse: parseAddress };
}

/** Comma-separated gRPC targets, e.g. the classifier replicas. */
export function addressList(env: string, options: Common<string[]>): Field<string[]> {
  return {
    env,
    doc: options.doc,
    fallback: options.fallback,
    parse: (raw) => {
      const list = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
      if (list.length === 0) throw new Error('expected at least one address');
      return list.map(parseAddress);
    },
  };
}

function parseAddress(raw: string): string {
  // host:port, [v6]:port, or a scheme-qualified grpc target such as dns:///name:port or unix:/path.
  if (/^[a-z]+:/.test(raw) && !/^[^:/]+:\d+$/.test(raw)) return raw;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(raw);
  if (!match || Number(match[2]) > 65_535) throw new Error('expected host:port');
  return raw;
}

export const logLevel = (fallback = 'info') =>
  oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    doc: 'pino log level',
    fallback: fallback as 'info',
  });
