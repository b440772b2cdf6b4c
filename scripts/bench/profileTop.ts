import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@shopcart/stack';

/**
 * The heaviest frames of V8 CPU profiles (node --cpu-prof), by self time as
 * a share of busy time, summed over every profile in a folder (one per
 * router worker):
 *   npx tsx scripts/bench/profileTop.ts <dir> [count]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topFrames(dir: string, count = 20): Array<{ frame: string; ms: number; share: number }> {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)!.callFrame;
      const where = frame.url ? `${relative(REPO_ROOT, frame.url.replace('file://', ''))}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      // Waiting for work is not cost: shares are of the time spent working.
      if (frame.functionName === '(idle)') return;
      self.set(key, (self.get(key) ?? 0) + ms);
      total += ms;
    });
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, ms]) => ({ frame, ms: Math.round(ms), share: ms / total }));
}

if (process.argv[1]?.endsWith('profileTop.ts')) {
  const [dir, count] = process.argv.slice(2);
  for (const { frame, ms, share } of topFrames(dir!, Number(count ?? 20))) process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${String(ms).padStart(7)} ms  ${frame}\n`);
}
