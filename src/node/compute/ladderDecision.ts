/**
 * The backend ladder's decision, handed down a process tree. The first process that runs the
 * ladder (the CLI, the studio server, a bench run) records which rung it chose and why the rungs
 * above it were skipped in VAR_STUDIO_LADDER; its child processes and worker threads inherit the
 * environment and start at that rung instead of probing again. Probing again is not free: the
 * WebGPU probe creates a Vulkan instance, and Dawn prints "vkCreateInstance: Found no drivers" in
 * every process that tries on a machine without a GPU driver.
 *
 * A decision applies only to the same preference (a child asking for another backend runs its own
 * ladder) and on the same host (a scheduler may carry the environment to another node).
 */
import { hostname } from 'node:os';
import { BACKEND_NAMES, type BackendName, type BackendPreference } from '../../shared/backend';

export const LADDER_ENV = 'VAR_STUDIO_LADDER';

export interface LadderDecision {
  host: string;
  preference: BackendPreference;
  /** The rung the ladder chose. */
  name: BackendName;
  /** The rungs above it, skipped, best first, with why. */
  fallbacks: { name: BackendName; reason: string }[];
}

const isName = (v: unknown): v is BackendName => (BACKEND_NAMES as readonly unknown[]).includes(v);

/** The decision this process inherited for `preference`, if any (an unreadable value counts as none). */
export function inheritedDecision(preference: BackendPreference): LadderDecision | undefined {
  const raw = process.env[LADDER_ENV];
  if (!raw) return undefined;
  let d: Partial<LadderDecision>;
  try {
    d = JSON.parse(raw) as Partial<LadderDecision>;
  } catch {
    return undefined;
  }
  if (d.host !== hostname() || d.preference !== preference || !isName(d.name) || !Array.isArray(d.fallbacks)) return undefined;
  if (!d.fallbacks.every((f) => isName(f?.name) && typeof f.reason === 'string')) return undefined;
  return { host: d.host, preference, name: d.name, fallbacks: d.fallbacks.map((f) => ({ name: f.name, reason: f.reason })) };
}

/** Records this process's decision where its children and threads will find it (they inherit process.env). */
export function recordDecision(preference: BackendPreference, name: BackendName, fallbacks: LadderDecision['fallbacks']): void {
  const decision: LadderDecision = { host: hostname(), preference, name, fallbacks };
  process.env[LADDER_ENV] = JSON.stringify(decision);
}
