import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Let the real atomic writer run, but fail the n-th call to simulate a crash mid-export.
const failAt = { n: -1, calls: 0 };
vi.mock('../../../../src/node/fs/atomic', async (orig) => {
  const real = await orig<typeof import('../../../../src/node/fs/atomic')>();
  return {
    ...real,
    writeFileAtomic: async (...args: Parameters<typeof real.writeFileAtomic>) => {
      if (failAt.calls++ === failAt.n) throw new Error('disk full (simulated)');
      return real.writeFileAtomic(...args);
    },
  };
});

const { writeFileSet } = await import('../../../../src/node/export/files');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('writeFileSet', () => {
  it('an export interrupted part-way leaves no file behind', async () => {
    const dir = path.join(tmp, 'a');
    failAt.n = 2;
    failAt.calls = 0;
    const files = [
      { name: 's1.bin', data: 'one' },
      { name: 's2.bin', data: 'two' },
      { name: 'model.json', data: '{}' },
    ];
    await expect(writeFileSet(dir, files)).rejects.toThrow(/disk full/);
    expect(fs.readdirSync(dir)).toEqual([]);
    failAt.n = -1;
    expect((await writeFileSet(dir, files)).map((f) => path.basename(f))).toEqual(['s1.bin', 's2.bin', 'model.json']);
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe('{}');
  });

  it('checks every target before writing anything', async () => {
    const dir = path.join(tmp, 'b');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.json'), 'old');
    failAt.n = -1;
    await expect(
      writeFileSet(dir, [
        { name: 's1.bin', data: 'x' },
        { name: 'model.json', data: 'new' },
      ]),
    ).rejects.toThrow(/already exist/);
    expect(fs.readdirSync(dir)).toEqual(['model.json']);
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe('old');
  });
});
