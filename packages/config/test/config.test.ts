import { describe, expect, it } from 'vitest';
import { address, addressList, bool, ConfigError, int, loadConfig, num, oneOf, port, str } from '../src/index.js';

const spec = {
  name: str('NAME', { doc: 'a name' }),
  port: port('PORT', { doc: 'a port', fallback: 8080 }),
  ratio: num('RATIO', { doc: 'a ratio', fallback: 0.5, min: 0, max: 1 }),
  enabled: bool('ENABLED', { doc: 'a switch', fallback: false }),
  mode: oneOf('MODE', ['a', 'b'] as const, { doc: 'a mode', fallback: 'a' }),
  count: int('COUNT', { doc: 'a count', fallback: 3, min: 1 }),
  target: address('TARGET', { doc: 'a target', fallback: 'localhost:1' }),
  replicas: addressList('REPLICAS', { doc: 'replicas', fallback: ['localhost:2'] }),
};

describe('loadConfig', () => {
  it('applies fallbacks and parses values into types', () => {
    const config = loadConfig(spec, { NAME: 'x', PORT: '0', ENABLED: 'yes', MODE: 'b', REPLICAS: '127.0.0.1:5, [::1]:6 ,dns:///classifier:50052' });
    expect(config).toEqual({ name: 'x', port: 0, ratio: 0.5, enabled: true, mode: 'b', count: 3, target: 'localhost:1', replicas: ['127.0.0.1:5', '[::1]:6', 'dns:///classifier:50052'] });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad or missing key at once', () => {
    let error: unknown;
    try {
      loadConfig(spec, { PORT: '70000', RATIO: 'half', ENABLED: 'maybe', MODE: 'c', COUNT: '1e3', TARGET: 'nohost', REPLICAS: ',' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/NAME is required/);
    expect(problems.join('\n')).toMatch(/PORT="70000": expected an integer in \[0, 65535\]/);
    expect(problems.join('\n')).toMatch(/COUNT="1e3": expected an integer/);
    expect(problems.join('\n')).toMatch(/TARGET="nohost": expected host:port/);
  });
});
