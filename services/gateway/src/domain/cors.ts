/** The origins whose pages may call the API from a browser: any ('*'), a list, or none ([]). */
export type CorsOrigins = '*' | readonly string[];

/**
 * CORS_ORIGINS as written: `*`, or a comma-separated list of origins (scheme://host[:port], as
 * browsers send them in the Origin header, so they compare as plain strings). Throws an Error
 * saying what is wrong.
 */
export function parseCorsOrigins(raw: string): CorsOrigins {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.includes('*')) {
    if (entries.length > 1) throw new Error('"*" allows every origin: give it alone, not in a list');
    return '*';
  }
  return entries.map((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`"${entry}" is not an origin like https://clinic.example.org`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`"${entry}": an origin is http:// or https://`);
    // An origin has no path, query, fragment or user: the Origin header never carries them.
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || entry.replace(/\/$/, '').length !== url.origin.length) {
      throw new Error(`"${entry}" is not a bare origin: write only scheme://host[:port], as in ${url.origin}`);
    }
    return url.origin;
  });
}

/**
 * The Access-Control-Allow-Origin an Origin gets: "*" for any origin when every one is allowed,
 * the origin itself when it is on the list, undefined when it is not (no CORS headers: the
 * browser keeps the response from the page).
 */
export function allowOriginFor(origins: CorsOrigins, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (origins === '*') return '*';
  return origins.includes(origin) ? origin : undefined;
}
