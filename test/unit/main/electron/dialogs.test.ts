/** The Electron side of the `dialogs` capability, with a fake electron module. */
import { describe, expect, it } from 'vitest';
import { electronDialogs } from '../../../../src/main/electron/dialogs';

function fakeElectron(result: { canceled: boolean; filePaths: string[] }, windows: unknown[] = []) {
  const calls: unknown[][] = [];
  const electron = {
    dialog: { showOpenDialog: async (...args: unknown[]) => (calls.push(args), result) },
    BrowserWindow: { getFocusedWindow: () => windows[0] ?? null, getAllWindows: () => windows },
  };
  return { electron: electron as never, calls };
}

describe('electronDialogs', () => {
  it('picks a folder, modal to the studio window', async () => {
    const win = { id: 1 };
    const { electron, calls } = fakeElectron({ canceled: false, filePaths: ['/scans/case1'] }, [win]);
    expect(await electronDialogs(electron).pickFolder()).toBe('/scans/case1');
    expect(calls[0][0]).toBe(win);
    expect((calls[0][1] as { properties: string[] }).properties).toEqual(['openDirectory']);
  });

  it('picks several files, and returns nothing when cancelled', async () => {
    const many = fakeElectron({ canceled: false, filePaths: ['/a.nii.gz', '/a_label.nii.gz'] });
    expect(await electronDialogs(many.electron).pickFiles()).toEqual(['/a.nii.gz', '/a_label.nii.gz']);
    expect((many.calls[0][0] as { properties: string[] }).properties).toContain('multiSelections');
    const cancelled = fakeElectron({ canceled: true, filePaths: ['/ignored'] });
    expect(await electronDialogs(cancelled.electron).pickFolder()).toBeUndefined();
    expect(await electronDialogs(cancelled.electron).pickFiles()).toEqual([]);
  });
});
