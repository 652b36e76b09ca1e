import { createRegistry } from '@skinlesion/metrics';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The Grafana dashboard (deploy/grafana) may only query metrics the code registers: every
 * metric name in its PromQL must be defined in some service's or package's source, or be one of
 * the process metrics every registry collects.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DASHBOARD = join(ROOT, 'deploy/grafana/skinlesion-dashboard.json');

interface Target {
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Metric names the code defines: `name: '<metric>'` beside a prom-client constructor. */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const dirs = ['services', 'packages'].flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name, 'src')));
  for (const dir of dirs) {
    let files: string[];
    try {
      files = sourceFiles(dir);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (!/new (Counter|Gauge|Histogram|Summary)\(/.test(text)) continue;
      // The name given to a metric constructor: lower-case words joined by underscores.
      for (const match of text.matchAll(/name: '([a-z_:][a-z0-9_:]*)'/g)) names.add(match[1]);
    }
  }
  return names;
}

/** PromQL's words that are not metric names. */
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'le', 'inf', 'nan']);

/** The metric names a PromQL expression selects. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  // A whole identifier (not a number) not followed by "(" (which makes it a function).
  return [...stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((match) => match[1]).filter((name) => !PROMQL_WORDS.has(name.toLowerCase()));
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; definition?: string }> } };
const expressions = [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr }))),
  ...dashboard.templating.list.filter((variable) => variable.definition).map((variable) => ({ where: `variable ${variable.name}`, expr: (variable.definition as string).replace(/^label_values\((.*), *\w+\)$/, '$1') })),
];

describe('the Grafana dashboard', () => {
  it('queries only metrics the code defines', () => {
    const defined = definedMetrics();
    // Node's process metrics, which every registry collects (prom-client's defaults).
    for (const metric of createRegistry('probe').getMetricsAsArray()) defined.add(metric.name);
    // The names the issue asks for must be among them.
    for (const name of ['http_requests_total', 'http_request_duration_seconds', 'classifier_batch_size', 'classifier_queue_wait_seconds', 'classifier_queue_depth', 'classifier_items_total', 'skinlesion_problems_total']) {
      expect(defined.has(name), name).toBe(true);
    }
    const used = new Set<string>();
    for (const { where, expr } of expressions) {
      const names = metricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        expect(defined.has(name) || defined.has(base), `${where}: ${name} is not defined in the code`).toBe(true);
        used.add(base);
      }
    }
    expect(used.size).toBeGreaterThanOrEqual(20);
  });

  it('reads a PromQL expression\'s metric names and nothing else', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, stage) (rate(skinlesion_stage_seconds_bucket{namespace=~"$ns", stage!="x"}[$__rate_interval])))')).toEqual([
      'skinlesion_stage_seconds_bucket',
    ]);
    expect(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total{code=~"5.."}[5m]))')).toEqual(['a_total', 'b_total']);
  });

  it('has the panels the operators need, each with a unique id and the data source variable', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const title of ['Requests per second', 'Latency percentiles', 'Errors by type', 'Batch size', 'Queue wait', 'Crops per second per replica']) expect(titles).toContain(title);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((each) => each.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets ?? []) {
        // Percentiles come from histogram buckets aggregated by le.
        if (target.expr.includes('histogram_quantile')) expect(target.expr, panel.title).toMatch(/sum by \(le[,)].*_bucket\{/);
      }
    }
  });
});
