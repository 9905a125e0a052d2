import { backendLabel } from '../../shared/backend';
import { useCall } from '../api/context';
import type { AppInfo } from '../../shared/api/contract';

const SHELL_NAMES: Record<AppInfo['shell'], string> = { electron: 'Electron', browser: 'Browser' };

/** "wasm (1 thread)", "webgpu (SwiftShader, software)": the name users need, the detail in the tooltip. */
export function describeBackend(b: AppInfo['backend']): string {
  const extras = b.threads ? ` (${b.threads} thread${b.threads === 1 ? '' : 's'})` : '';
  return `${backendLabel(b)}${extras}`;
}

export function StatusLine() {
  const info = useCall('app.info');
  if (info.status === 'loading') {
    return (
      <div className="status-line" role="status" aria-live="polite">
        Connecting to the studio services…
      </div>
    );
  }
  if (info.status === 'error') {
    return (
      <div className="status-line status-line--error" role="alert">
        {info.error.what}. {info.error.hint}
      </div>
    );
  }
  const { shell, backend, version, platform } = info.data;
  const fallbacks = backend.fallbacks.map((f) => `${f.name} skipped: ${f.reason}`).join('\n');
  return (
    <div className="status-line" role="status" aria-live="polite" aria-label="Shell and compute backend" data-testid="status-line">
      <span className="status-line__item">Shell: {SHELL_NAMES[shell]}</span>
      <span className="status-line__sep" aria-hidden="true">
        ·
      </span>
      <span className="status-line__item" title={[backend.detail, fallbacks].filter(Boolean).join('\n')}>
        Backend: {describeBackend(backend)}
      </span>
      <span className="status-line__meta">
        v{version} · {platform}
      </span>
    </div>
  );
}
