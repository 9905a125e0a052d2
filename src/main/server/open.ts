/** Opens the studio address in a locally installed Chromium. Best effort: failure only prints why. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = ['/usr/bin', ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const name of CANDIDATES) {
    for (const dir of dirs) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** Returns a sentence saying what happened, for the console. */
export function openInChromium(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const exe = findChromium(env);
  if (!exe) return 'No Chromium found (chromium, chromium-browser, google-chrome); open the address above in any Chromium-based browser.';
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return `No display available for ${exe}; open the address above in a browser.`;
  }
  // Chromium refuses to start as root without --no-sandbox; only then is it added.
  const args = [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--new-window', url];
  try {
    const child = spawn(exe, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return `Opened in ${exe}.`;
  } catch (e) {
    return `Could not start ${exe} (${e instanceof Error ? e.message : String(e)}); open the address above yourself.`;
  }
}
