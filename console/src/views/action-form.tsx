/**
 * One operator action as a button that opens a small form: a reason (required, as the server
 * requires it), any extra field (weights), then the POST to the existing admin route and the
 * outcome (to its container) or the server's error. Shown only for actions the subject may take.
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
  /** Told the outcome of an accepted action (shown by the container, which outlives this button). */
  readonly onDone: (text: string) => void;
}

/** Where a container shows the last accepted action's outcome. */
export function Outcome({ text }: { text: string | undefined }) {
  return text === undefined ? null : (
    <p role="status" className="outcome ok" data-testid="action-outcome">
      {text}
    </p>
  );
}

/** The button, its form and its outcome. */
export function ActionButton({ api, kind, target, label, onDone }: ActionButtonProps) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [weights, setWeights] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (reason.trim() === '') {
      setError('A reason is required.');
      return;
    }
    const body: Record<string, unknown> = { reason: reason.trim() };
    if (kind === 'weights-set') {
      const parsed = parseWeights(weights);
      if ('error' in parsed) {
        setError(parsed.error);
        return;
      }
      body['weights'] = parsed.weights;
    }
    setBusy(true);
    try {
      const answer = await api.post<unknown>(actionPath(kind, target), body);
      setError(undefined);
      setOpen(false);
      onDone(outcomeText(kind, answer));
      setReason('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="action" data-action={kind} data-target={target}>
      {!open && (
        <button type="button" onClick={() => setOpen(true)}>
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
      {error !== undefined && (
        <p role="alert" className="outcome error" data-testid="action-error">
          {error}
        </p>
      )}
    </div>
  );
}
