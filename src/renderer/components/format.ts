/** How every view shows a remaining time: "ETA 1:15", "ETA 1:01:40"; empty when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return `ETA ${h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`}`;
}
