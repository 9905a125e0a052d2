/**
 * The run settings. Every control has a label; messages from the run-config schema appear next
 * to their field; Enter anywhere in the form starts the run.
 */
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import {
  loadForm,
  METHOD_LABELS,
  optimizerMethods,
  PRESET_LABELS,
  presetNames,
  saveForm,
  suggestName,
  toRunConfig,
  usesRho,
  usesSparsities,
  type DataSource,
  type FieldName,
  type TrainForm as Form,
} from './form';
import { ascentKinds } from '../../../shared/train/optimizerConfig';
import type { RunConfigInput } from '../../../shared/run/config';
import type { TrainingPreflight } from '../../../shared/api/schemas/training';
import { plural } from '../../../shared/format/plural';
import { formatDuration } from '../../../shared/format/time';
import { usePreflight } from './usePreflight';
import { AcceptDataIssues } from '../../components/AcceptDataIssues';

interface FieldProps {
  name: FieldName;
  label: string;
  error?: string;
  hint?: string;
  children: (ids: { id: string; describedBy?: string; invalid: boolean }) => ReactNode;
}

function Field({ name, label, error, hint, children }: FieldProps) {
  const base = useId();
  const id = `${base}-${name}`;
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`} data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy: described, invalid: !!error })}
      {hint && !error && (
        <span id={`${id}-hint`} className="field__hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field__error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Pre-flight problems as field messages: data problems on the data field (phantom count for phantoms). */
function preflightErrors(result: TrainingPreflight | undefined, phantoms: boolean): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const p of result?.problems ?? []) {
    if (p.severity !== 'error') continue;
    const field: FieldName = p.field === 'data' ? (phantoms ? 'phantomCases' : 'source') : p.field;
    out[field] ??= `${p.what}. ${p.hint}`;
  }
  return out;
}

/** What the run will train on and how long it should take, before it starts. */
function PreflightSummary({ result, checking, refused }: { result?: TrainingPreflight; checking: boolean; refused: boolean }) {
  if (!result)
    return (
      <p className="preflight muted" role="status" aria-label="Pre-flight">
        {checking ? 'Checking the data and timing a few steps…' : ''}
      </p>
    );
  const d = result.data;
  const warnings = result.problems.filter((p) => p.severity === 'warning');
  return (
    <div className={`preflight${refused ? ' preflight--refused' : ''}`} role="status" aria-label="Pre-flight">
      {refused && <strong>This run cannot start: see the messages next to the fields.</strong>}
      {d && (
        <p>
          {plural(d.cases, 'case')} ({d.casesWithMask} with {d.casesWithMask === 1 ? 'a mask' : 'masks'}), {plural(d.patients, 'patient')}:{' '}
          {d.split.train} for training, {d.split.val} for validation, {d.split.test} for test · {plural(d.trainSlices, 'training slice')}
        </p>
      )}
      {result.estimate ? (
        <p data-testid="preflight-estimate">
          Estimated time: about {formatDuration(result.estimate.seconds)} ({plural(result.estimate.steps, 'step')} at{' '}
          {Math.round(result.estimate.msPerStep)} ms, timed on this machine now, {result.estimate.backend})
        </p>
      ) : (
        result.estimateNote && !refused && <p className="muted">{result.estimateNote}</p>
      )}
      {warnings.map((w) => (
        <p key={w.what} className="preflight__warning">
          {w.what}. {w.hint}
        </p>
      ))}
    </div>
  );
}

export interface TrainFormProps {
  sources: DataSource[];
  onStart(config: RunConfigInput): Promise<unknown>;
  /** A job of this form is queued or running: Start queues another one. */
  busy: boolean;
}

export function TrainForm({ sources, onStart, busy }: TrainFormProps) {
  const [form, setForm] = useState<Form>(loadForm);
  const [submitting, setSubmitting] = useState(false);
  // Until the user names the run, the name follows the method ("sam+var"), so runs tell apart in the list.
  const [named, setNamed] = useState(() => form.name !== suggestName(form));
  const { config, errors: formErrors } = useMemo(() => toRunConfig(form, sources), [form, sources]);
  useEffect(() => saveForm(form), [form]);
  const pre = usePreflight(config);
  // The pre-flight's refusals join the field messages (data problems on the data field).
  const errors = { ...preflightErrors(pre.result, form.source === 'phantoms'), ...formErrors };
  const refused = !!pre.result && !pre.result.ok;
  const set = <K extends keyof Form>(k: K, v: Form[K]) =>
    setForm((f) => {
      const next = { ...f, [k]: v };
      return named || k === 'name' ? next : { ...next, name: suggestName(next) };
    });
  const text = (k: FieldName) => (e: { target: { value: string } }) => {
    if (k === 'name') setNamed(true);
    set(k, e.target.value as never);
  };

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!config) {
      // Send the keyboard user to the first field that needs attention.
      e.currentTarget.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const formEl = e.currentTarget;
    setSubmitting(true);
    try {
      const checked = await pre.check();
      if (checked && !checked.ok) {
        // Refused: the messages are next to their fields now; go to the first one.
        requestAnimationFrame(() => formEl.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
        return;
      }
      await onStart(config);
    } finally {
      setSubmitting(false);
    }
  }

  const input =
    (k: FieldName, extra: Record<string, unknown> = {}) =>
    (ids: { id: string; describedBy?: string; invalid: boolean }) => (
      <input
        id={ids.id}
        name={k}
        value={form[k] as string}
        onChange={text(k)}
        aria-invalid={ids.invalid}
        aria-describedby={ids.describedBy}
        inputMode="decimal"
        autoComplete="off"
        {...extra}
      />
    );

  return (
    <form className="train-form" aria-label="Training settings" onSubmit={submit} noValidate>
      <fieldset>
        <legend>Run</legend>
        <Field name="name" label="Run name" error={errors.name}>
          {input('name', { inputMode: 'text' })}
        </Field>
        <Field
          name="source"
          label="Data"
          error={errors.source}
          hint={form.source === 'phantoms' ? 'Seeded FLAIR-like phantoms, generated in memory' : undefined}
        >
          {(ids) => (
            <select id={ids.id} value={form.source} onChange={text('source')} aria-invalid={ids.invalid} aria-describedby={ids.describedBy}>
              <option value="phantoms">Built-in phantoms</option>
              {sources.map((s, i) => (
                <option key={s.data.path} value={String(i)}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {form.source !== 'phantoms' && !!sources[Number(form.source)]?.issues?.length && (
          <Field
            name="acceptDataIssues"
            label="Data problems"
            error={errors.acceptDataIssues}
            hint="Accepted: the run config records acceptDataIssues"
          >
            {(ids) => (
              <AcceptDataIssues
                use="train"
                className="check"
                checked={form.acceptDataIssues}
                onChange={(v) => set('acceptDataIssues', v)}
                id={ids.id}
                invalid={ids.invalid}
                describedBy={ids.describedBy}
              />
            )}
          </Field>
        )}
        {form.source === 'phantoms' && (
          <div className="field-row">
            <Field name="phantomCases" label="Phantom cases" error={errors.phantomCases}>
              {input('phantomCases', { inputMode: 'numeric' })}
            </Field>
            <Field name="phantomSlices" label="Slices per case" error={errors.phantomSlices}>
              {input('phantomSlices', { inputMode: 'numeric' })}
            </Field>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>Model</legend>
        <Field name="preset" label="Model preset" error={errors.preset}>
          {(ids) => (
            <select
              id={ids.id}
              value={form.preset}
              onChange={(e) => set('preset', e.target.value as Form['preset'])}
              aria-describedby={ids.describedBy}
            >
              {presetNames.map((p) => (
                <option key={p} value={p}>
                  {PRESET_LABELS[p]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field-row">
          <Field name="inputSize" label="Input size (px)" error={errors.inputSize}>
            {input('inputSize', { inputMode: 'numeric' })}
          </Field>
          <Field name="width" label="Width multiplier" error={errors.width}>
            {input('width')}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Optimizer</legend>
        <Field name="method" label="Optimizer" error={errors.method}>
          {(ids) => (
            <select
              id={ids.id}
              value={form.method}
              onChange={(e) => set('method', e.target.value as Form['method'])}
              aria-describedby={ids.describedBy}
            >
              {optimizerMethods.map((m) => (
                <option key={m} value={m}>
                  {METHOD_LABELS[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field-row">
          <Field name="lr" label="Learning rate" error={errors.lr}>
            {input('lr')}
          </Field>
          <Field
            name="rho"
            label="Rho"
            error={usesRho(form.method) ? errors.rho : undefined}
            hint={usesRho(form.method) ? undefined : 'SAM and CrAM only'}
          >
            {input('rho', { disabled: !usesRho(form.method) })}
          </Field>
        </div>
        {usesSparsities(form.method) && (
          <Field name="cramSparsities" label="CrAM sparsities" error={errors.cramSparsities} hint="Comma-separated, each step draws one">
            {input('cramSparsities', { inputMode: 'text' })}
          </Field>
        )}
        <div className="field-row field-row--var">
          <div className="field field--check">
            <label className="check">
              <input type="checkbox" name="varOn" checked={form.varOn} onChange={(e) => set('varOn', e.target.checked)} /> VAR regulariser
            </label>
          </div>
          <Field
            name="varLambda"
            label="VAR lambda"
            error={form.varOn ? errors.varLambda : undefined}
            hint={form.varOn ? 'Typical 1e-5 to 1e-4' : 'Off'}
          >
            {input('varLambda', { disabled: !form.varOn })}
          </Field>
        </div>
        {usesRho(form.method) && form.varOn && (
          <Field
            name="ascent"
            label="VAR in the ascent"
            error={errors.ascent}
            hint="The SAM / CrAM perturbation follows the gradient of L + λψ, or of the data loss only"
          >
            {(ids) => (
              <select
                id={ids.id}
                value={form.ascent}
                onChange={(e) => set('ascent', e.target.value as Form['ascent'])}
                aria-describedby={ids.describedBy}
              >
                {ascentKinds.map((a) => (
                  <option key={a} value={a}>
                    {a === 'objective' ? 'Whole objective (L + λψ)' : 'Data loss only'}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </fieldset>

      <fieldset>
        <legend>Schedule</legend>
        <div className="field-row field-row--3">
          <Field name="epochs" label="Epochs" error={errors.epochs}>
            {input('epochs', { inputMode: 'numeric' })}
          </Field>
          <Field name="batchSize" label="Batch size" error={errors.batchSize}>
            {input('batchSize', { inputMode: 'numeric' })}
          </Field>
          <Field name="seed" label="Seed" error={errors.seed}>
            {input('seed', { inputMode: 'numeric' })}
          </Field>
        </div>
        <Field
          name="workers"
          label="Gradient workers"
          error={errors.workers}
          hint={`Threads that split each batch (data-parallel); at most one per core${pre.result ? ` (this machine: ${plural(pre.result.cores, 'core')})` : ''}; 0 trains in one thread`}
        >
          {input('workers', { inputMode: 'numeric' })}
        </Field>
      </fieldset>

      <div className="train-form__actions">
        <button type="submit" className="action-button action-button--primary" disabled={submitting} aria-keyshortcuts="Enter">
          {busy ? 'Queue run' : 'Start training'}
        </button>
        {!config && <span className="field__error">Fix the highlighted fields to start.</span>}
      </div>
      {config && <PreflightSummary result={pre.result} checking={pre.checking} refused={refused} />}
    </form>
  );
}
