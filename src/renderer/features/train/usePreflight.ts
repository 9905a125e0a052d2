/**
 * The pre-flight of the run the form describes: asked (debounced) whenever the form holds a valid
 * config, and awaited by Start when the answer for the current settings is not in yet.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TrainingPreflight } from '../../../shared/api/schemas/training';
import type { RunConfigInput } from '../../../shared/run/config';
import { useApi } from '../../api/context';

export interface PreflightState {
  /** The answer for the form's current settings, once in. */
  result?: TrainingPreflight;
  checking: boolean;
  /** Resolves with the data checks for these settings (the full answer when it is in). */
  check(): Promise<TrainingPreflight | undefined>;
}

export function usePreflight(config: RunConfigInput | undefined): PreflightState {
  const api = useApi();
  const key = config ? JSON.stringify(config) : '';
  const [answer, setAnswer] = useState<{ key: string; result: TrainingPreflight }>();
  const pending = useRef<{ key: string; promise: Promise<TrainingPreflight | undefined> }>(undefined);

  const ask = useCallback(
    (k: string, c: RunConfigInput) => {
      if (pending.current?.key === k) return pending.current.promise;
      const promise = api.call('training.preflight', { config: c, calibrate: true }).then(
        (result) => {
          setAnswer((a) => (pending.current?.key === k ? { key: k, result } : a));
          return result;
        },
        () => undefined,
      );
      pending.current = { key: k, promise };
      return promise;
    },
    [api],
  );

  useEffect(() => {
    if (!config) return;
    const t = setTimeout(() => {
      // The data checks first (fast), then the same with the time calibration (slow on a busy machine).
      void api.call('training.preflight', { config, calibrate: false }).then(
        (quick) =>
          setAnswer((a) =>
            a?.key === key
              ? a
              : { key, result: { ...quick, estimateNote: quick.ok ? 'Timing a few steps on this machine…' : quick.estimateNote } },
          ),
        () => undefined,
      );
      void ask(key, config);
    }, 500);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the config's identity: one check per distinct config
  }, [key]);

  const result = answer?.key === key ? answer.result : undefined;
  return {
    result,
    checking: !!config && !result,
    // Start waits for the data checks only, never for the time calibration (informative, and slow on a busy machine).
    check: () =>
      !config
        ? Promise.resolve(undefined)
        : result
          ? Promise.resolve(result)
          : api.call('training.preflight', { config, calibrate: false }).then(
              (r) => r,
              () => undefined,
            ),
  };
}
