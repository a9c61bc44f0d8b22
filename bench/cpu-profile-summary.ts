/**
 * Where a worker's CPU went, from a `--cpu-prof` profile (`BENCH_PROFILE_DIR=… npm run
 * bench:pipeline` writes `listener.cpuprofile` and `interpreter.cpuprofile`): self time by
 * package (node_modules package, workspace package or Node internals) and the top functions.
 * Run: npm exec -- node bench/cpu-profile-summary.ts <file.cpuprofile> [top=20]   (Node 24: type stripping)
 */
import fs from 'node:fs';

type Profile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

/** The package a script belongs to: `bullmq`, `@prisma/client`, `packages/intent`, `node:internal`… */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const workspace = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.startsWith('wasm://')) return 'wasm';
  return url;
}

const [file, top = '20'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/cpu-profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfTime) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}
const share = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top)).map(([k, us]) => `${share(us)}  ${k}`).join('\n');
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nself time by package\n${list(byPackage)}\n\nself time by function\n${list(byFunction)}`);
