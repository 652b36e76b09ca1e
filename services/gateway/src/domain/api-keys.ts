import { createHash, timingSafeEqual } from 'node:crypto';

/** One accepted API key and the name logs and metrics use for its client (never the key). */
export interface ApiKey {
  readonly name: string;
  readonly key: string;
}

/**
 * An ApiKey whose key is not enumerable: a config object that is logged or printed by mistake
 * (JSON.stringify, pino, util.inspect) shows the client's name, never its key.
 */
export function apiKey(name: string, key: string): ApiKey {
  const entry = { name } as ApiKey;
  Object.defineProperty(entry, 'key', { value: key, enumerable: false });
  return Object.freeze(entry);
}

/** Keys shorter than this are refused at start-up: 16 random base64 characters are 96 bits. */
export const MIN_KEY_LENGTH = 16;

// RFC 6750's b64token, the syntax of a Bearer token, so that every key works in both headers.
// It has no ':', which is what lets "name:key" be split without ambiguity.
const KEY_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;

// A client name: a short label safe in a log line and as a Prometheus label value.
const NAME_SYNTAX = /^[A-Za-z0-9][\w.-]{0,63}$/;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The name of a key given without one: "key-" and 8 hex digits of its SHA-256, stable when keys
 * are reordered. 32 bits of a hash say nothing useful about a key of 96 bits or more.
 */
export function fingerprintName(key: string): string {
  return `key-${sha256(key).toString('hex').slice(0, 8)}`;
}

export interface ParsedKeys {
  readonly keys: ApiKey[];
  /** What is wrong, by position ("API_KEYS entry 2"): never the key itself, which is a secret. */
  readonly problems: string[];
}

/** One entry, `key` or `name:key`; a problem as a string. */
function parseEntry(entry: string, where: string): ApiKey | string {
  const colon = entry.indexOf(':');
  const name = colon >= 0 ? entry.slice(0, colon).trim() : undefined;
  const key = (colon >= 0 ? entry.slice(colon + 1) : entry).trim();
  if (name !== undefined && !NAME_SYNTAX.test(name)) {
    return `${where}: the name before ":" must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`;
  }
  if (key === '') return `${where}: the key after "name:" is missing`;
  if (!KEY_SYNTAX.test(key)) return `${where}: a key may contain only letters, digits and - . _ ~ + / (then = padding)`;
  if (key.length < MIN_KEY_LENGTH) return `${where}: a key must have at least ${MIN_KEY_LENGTH} characters`;
  return apiKey(name ?? fingerprintName(key), key);
}

function parseEntries(entries: Array<{ text: string; where: string }>): ParsedKeys {
  const keys: ApiKey[] = [];
  const problems: string[] = [];
  for (const { text, where } of entries) {
    const parsed = parseEntry(text, where);
    if (typeof parsed === 'string') problems.push(parsed);
    else keys.push(parsed);
  }
  return { keys, problems };
}

/** A comma-separated list (the API_KEYS variable); empty entries are skipped. */
export function parseKeyList(text: string, source: string): ParsedKeys {
  const entries = text
    .split(',')
    .map((entry, index) => ({ text: entry.trim(), where: `${source} entry ${index + 1}` }))
    .filter((entry) => entry.text !== '');
  return parseEntries(entries);
}

/**
 * A key file (API_KEYS_FILE, e.g. a mounted Kubernetes Secret): one `key` or `name:key` a line,
 * blank lines and `#` comments ignored (a key cannot contain '#', so a comment may follow one).
 */
export function parseKeyFile(text: string, source: string): ParsedKeys {
  const entries = text
    .split(/\r?\n/)
    .map((line, index) => ({ text: line.replace(/#.*$/, '').trim(), where: `${source} line ${index + 1}` }))
    .filter((entry) => entry.text !== '');
  return parseEntries(entries);
}

/** Problems with the keys of all sources together: a name or a key given twice. */
export function duplicateProblems(keys: readonly ApiKey[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  keys.forEach(({ name, key }, index) => {
    if (names.has(name)) problems.push(`API key name "${name}" is used twice; each client needs its own name`);
    names.add(name);
    const digest = sha256(key).toString('hex');
    if (digests.has(digest)) problems.push(`API key number ${index + 1} (${name}) repeats an earlier key; give each client its own key`);
    digests.add(digest);
  });
  return problems;
}

/**
 * The configured keys, held as SHA-256 digests. A presented key is hashed and compared with every
 * digest by crypto.timingSafeEqual: equal lengths by construction, so neither the length of a
 * key nor how much of it matched shows in the time an answer takes.
 */
export class ApiKeyRing {
  readonly #entries: ReadonlyArray<{ readonly name: string; readonly digest: Buffer }>;

  constructor(keys: readonly ApiKey[]) {
    this.#entries = keys.map(({ name, key }) => ({ name, digest: sha256(key) }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The name of the key presented, or undefined when it is none of them. */
  identify(presented: string): string | undefined {
    const digest = sha256(presented);
    let match: string | undefined;
    // Every entry is compared, also after a match, so the time does not tell which one matched.
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, digest) && match === undefined) match = entry.name;
    }
    return match;
  }
}
