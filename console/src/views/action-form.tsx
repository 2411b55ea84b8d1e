/**
 * One operator action as a button that opens a small form: a reason (required, as the server
 * requires it), any extra field (weights), then the POST to the existing admin route and the
 * outcome or the server's error. Shown only for actions the subject may take.
 * @module
 */
import { useId, useState, type FormEvent } from 'react';
import { errorText, type Api } from '../api/client.ts';
import { actionPath, parseWeights, type ActionKind } from '../model/permissions.ts';

/** What an accepted action answered, in one line. */
export function outcomeText(kind: ActionKind, answer: unknown): string {
  const a = answer as { policy?: { state?: string; epoch?: number }; records?: { id: string; action: string; actor: string }[]; record?: { id: string }; drained?: string[] };
  if (a.policy !== undefined) {
    const recs = (a.records ?? []).map((r) => `${r.id} ${r.action} by ${r.actor}`).join(', ') || 'no change';
    return `${kind} accepted (${recs}); state ${a.policy.state ?? '?'}, epoch ${String(a.policy.epoch ?? '?')}`;
  }
  if (a.drained !== undefined) return `${kind} accepted (${a.record?.id ?? ''}); drained clusters: ${a.drained.join(', ') || 'none'}`;
  return `${kind} accepted${a.record === undefined ? '' : ` (${a.record.id})`}`;
}

/** Props of {@link ActionButton}. */
export interface ActionButtonProps {
  readonly api: Api;
  readonly kind: ActionKind;
  /** `ns/name` of the policy or TrafficPolicy, or the cluster name. */
  readonly target: string;
  readonly label: string;
}

/** The button, its form and its outcome. */
export function ActionButton({ api, kind, target, label }: ActionButtonProps) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [weights, setWeights] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (reason.trim() === '') {
      setResult({ ok: false, text: 'A reason is required.' });
      return;
    }
    const body: Record<string, unknown> = { reason: reason.trim() };
    if (kind === 'weights-set') {
      const parsed = parseWeights(weights);
      if ('error' in parsed) {
        setResult({ ok: false, text: parsed.error });
        return;
      }
      body['weights'] = parsed.weights;
    }
    setBusy(true);
    try {
      const answer = await api.post<unknown>(actionPath(kind, target), body);
      setResult({ ok: true, text: outcomeText(kind, answer) });
      setOpen(false);
      setReason('');
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="action" data-action={kind} data-target={target}>
      {!open && (
        <button type="button" onClick={() => setOpen(true)} aria-controls={`${id}-form`}>
          {label}
        </button>
      )}
      {open && (
        <form id={`${id}-form`} onSubmit={(e) => void submit(e)} className="action-form" aria-label={`${label}: ${target}`}>
          {kind === 'weights-set' && (
            <>
              <label htmlFor={`${id}-weights`}>Weights (cluster=weight, …)</label>
              <input id={`${id}-weights`} value={weights} onChange={(e) => setWeights(e.target.value)} placeholder="jkt-prod-1=3, sgp-prod-1=1" required />
            </>
          )}
          <label htmlFor={`${id}-reason`}>Reason (required)</label>
          <input id={`${id}-reason`} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus />
          <button type="submit" disabled={busy}>
            {busy ? 'Sending…' : `Confirm ${label.toLowerCase()}`}
          </button>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
      {result !== undefined && (
        <p role={result.ok ? 'status' : 'alert'} className={result.ok ? 'outcome ok' : 'outcome error'} data-testid="action-outcome">
          {result.text}
        </p>
      )}
    </div>
  );
}
