// Summarises a V8 CPU profile (node --cpu-prof, or BENCH_PROFILE=<dir> with the token bench): self
// time by package or source file and by function, and total time (self and callees) by function,
// as shares of the samples, and self time by owner (Node's internals counted for the package or
// file that called them: what each middleware costs, callees in Node included).
//   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [rows]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** node_modules/<package> for dependencies, the path from the repository root for our files. */
const where = (url: string) =>
  url.includes('node_modules/') ? url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1') : url.replace(/^file:\/\//, '').replace(/^.*?\/(server|contracts)\//, '$1/');
const byPlace = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const place = url ? where(url) : `(${functionName})`;
  byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'}  ${url ? `${where(url)}:${lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}
// Total time: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byFunctionTotal = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = nodes.get(at)!.callFrame;
    if (!url) continue;
    const fn = `${functionName || '(anonymous)'}  ${where(url)}:${lineNumber + 1}`;
    if (seen.has(fn)) continue;
    seen.add(fn);
    byFunctionTotal.set(fn, (byFunctionTotal.get(fn) ?? 0) + us);
  }
}
// By owner: each sample goes to the nearest frame, from the leaf up, in a package or in our
// sources, so Node's internals (setHeader, socket writes) count for whoever called them.
const byOwner = new Map<string, number>();
for (const [id, us] of selfUs) {
  let owner: string | undefined;
  for (let at: number | undefined = id; at !== undefined && !owner; at = parent.get(at)) {
    const { url } = nodes.get(at)!.callFrame;
    if (url && !url.startsWith('node:')) owner = where(url);
  }
  const leaf = nodes.get(id)!.callFrame;
  owner ??= leaf.url ? 'node internals (no caller of ours)' : `(${leaf.functionName})`;
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(6)}%  ${k}`)
    .join('\n');
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package or file (self time)\n${top(byPlace)}\n\nby function (self time)\n${top(byFunction)}\n\nby function (total time: self and callees)\n${top(byFunctionTotal)}\n\nby owner (Node internals counted for the package or file that called them)\n${top(byOwner)}`);
