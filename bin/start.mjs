#!/usr/bin/env node
// `npm start`: the Electron window when the Electron binary is installed, else browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html'].every((f) =>
  existsSync(join(root, f)),
);

if (!built) {
  console.log('No build found in out/; building first (npm run build)…');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The build failed; see above. Fix it, or run `npm run setup` on a fresh clone.');
    process.exit(r.status ?? 1);
  }
}

/** Path of the Electron binary when `npm run fetch:native` (or an install with scripts) fetched it. */
function electronBinary() {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const rel = readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim();
    const exe = join(pkgDir, 'dist', rel);
    return existsSync(exe) ? exe : undefined;
  } catch {
    return undefined;
  }
}

function run(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group (forwarding it too would count
  // as a second Ctrl-C and force-quit); SIGTERM from a process manager is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 0)));
}

const electron = electronBinary();
if (electron) {
  console.log('Starting VAR Studio (Electron)…');
  run(electron, [join(root, 'out/main/index.js'), ...process.argv.slice(2)]);
} else {
  console.log('Electron binary not installed (`npm run fetch:native` fetches it); starting browser mode.');
  run(process.execPath, [join(root, 'out/main/cli.js'), 'serve', ...process.argv.slice(2)]);
}
