/**
 * `--k8s` manifests against the Kubernetes API schemas (kubernetes-models validates with the
 * JSON schemas generated from the Kubernetes OpenAPI spec; no cluster, no network), and the
 * fields that make them work: Indexed completion, the index as --cell, the shared claim.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { experimentCommand } from '../../../../src/main/cli/commands/experiment';
import type { CliIO } from '../../../../src/main/cli/types';
import { k8sManifests } from '../../../../src/node/experiment/k8s';
import { experimentPaths } from '../../../../src/node/experiment/state';
import { planCells, type Plan } from '../../../../src/shared/experiment/cells';
import { experimentPreset } from '../../../../src/shared/experiment/presets';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function plan(overrides: Partial<Plan['config']> = {}): Plan {
  const config = { ...experimentPreset('tiny'), ...overrides };
  return { version: 2, name: config.name, config, createdAt: new Date().toISOString(), cells: planCells(config) };
}

describe('Kubernetes manifests (--k8s)', () => {
  it('writes a claim, an Indexed Job and a collect Job that pass the Kubernetes schemas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-k8s-'));
    dirs.push(dir);
    const out = join(dir, 'exp');
    const lines: string[] = [];
    const io: CliIO = { out: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false, signal: new AbortController().signal };
    expect(
      await experimentCommand.run(
        ['--preset', 'tiny', '--out', out, '--k8s', '--image', 'registry.example/var-studio:0.1', '--namespace', 'lab'],
        io,
      ),
    ).toBe(0);
    expect(lines.join('\n')).toMatch(/kubectl apply -n lab -f .*cells\.yaml/);

    const read = (f: string) => parse(readFileSync(join(out, 'k8s', f), 'utf8'));
    const claim = new PersistentVolumeClaim(read('claim.yaml'));
    const cells = new Job(read('cells.yaml'));
    const collect = new Job(read('collect.yaml'));
    for (const m of [claim, cells, collect]) expect(() => m.validate()).not.toThrow();

    expect(claim.spec!.accessModes).toEqual(['ReadWriteMany']);
    expect(cells.spec!.completionMode).toBe('Indexed');
    expect(cells.spec!.completions).toBe(2);
    const container = cells.spec!.template.spec!.containers[0];
    expect(container.command).toEqual(['var-studio', 'experiment', '--out', '/var-studio/exp', '--cell', '$(JOB_COMPLETION_INDEX)']);
    expect(container.volumeMounts).toEqual([{ name: 'experiment', mountPath: '/var-studio' }]);
    expect(cells.spec!.template.spec!.volumes![0].persistentVolumeClaim!.claimName).toBe(claim.metadata!.name);
    expect(collect.spec!.template.spec!.containers[0].command).toEqual([
      'var-studio',
      'experiment',
      '--out',
      '/var-studio/exp',
      '--collect',
    ]);
    expect(cells.metadata!.namespace).toBe('lab');
  });

  it('asks for a GPU per cell on tensorflow-gpu and uses an existing claim when named', () => {
    const m = k8sManifests(plan({ backend: 'tensorflow-gpu' }), experimentPaths('/x/exp'), {
      image: 'img',
      command: ['var-studio'],
      pvc: 'shared-data',
    });
    expect(m.claim).toBeUndefined();
    const job = new Job(m.cells as ConstructorParameters<typeof Job>[0]);
    expect(() => job.validate()).not.toThrow();
    expect(job.spec!.template.spec!.containers[0].resources!.limits!['nvidia.com/gpu']).toBe('1');
    expect(job.spec!.template.spec!.volumes![0].persistentVolumeClaim!.claimName).toBe('shared-data');
  });

  it('the validator rejects a broken manifest (the check can fail)', () => {
    const m = k8sManifests(plan(), experimentPaths('/x/exp'), { image: 'img', command: ['var-studio'] });
    const broken = structuredClone(m.cells) as { spec: { completionMode: string } };
    broken.spec.completionMode = 'Ordered';
    expect(() => new Job(broken as ConstructorParameters<typeof Job>[0]).validate()).toThrow(/completionMode/);
  });
});
