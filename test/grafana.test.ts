import fs from 'node:fs';
import path from 'node:path';
import { createMetrics } from '@switchboard/ingest';
import { createWorkerMetrics } from '@switchboard/metrics';

// The Grafana dashboard is checked by reading it: every query names metrics that the processes export.
const root = path.resolve(import.meta.dirname, '..');
type Panel = { type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] };
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'docs/grafana/switchboard.json'), 'utf8')) as { uid: string; panels: Panel[] };
const queries = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Every series name the processes can export: histograms as their _bucket, _sum and _count. */
async function exported(): Promise<Set<string>> {
  const registries = [createMetrics(() => 0).registry, createWorkerMetrics('test').registry];
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
      if (String(metric.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

describe('docs/grafana/switchboard.json', () => {
  test('is a dashboard with queries', () => {
    expect(dashboard.uid).toBe('switchboard');
    expect(queries.length).toBeGreaterThan(10);
  });

  test('every query names only metrics the processes export', async () => {
    const names = await exported();
    const unknown: string[] = [];
    for (const q of queries) {
      const used = q.expr.match(/\b(?:switchboard|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
      // A query naming no metric of ours would escape this check.
      expect({ panel: q.panel, used: used.length > 0 }).toEqual({ panel: q.panel, used: true });
      for (const name of used) if (!names.has(name)) unknown.push(`${q.panel}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  test('covers each worker metric at least once', async () => {
    const text = queries.map((q) => q.expr).join('\n');
    for (const metric of (await createWorkerMetrics('test').registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('switchboard_'))) {
      expect({ metric, used: text.includes(metric) }).toEqual({ metric, used: true });
    }
  });
});
