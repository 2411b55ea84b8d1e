/**
 * The route "why" as a form: the same answer as `lintas route explain --server`, from
 * `GET /api/v1/explain`: which listener and virtual host, which rule won and why the others
 * did not, the backends with their shares and the ownership decision.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { errorText, type Api } from '../api/client.ts';
import type { RouteExplanation } from '../api/types.ts';
import { explainQuery, type ExplainInput } from '../model/query.ts';

function Explanation({ e }: { e: RouteExplanation }) {
  return (
    <article className="explanation">
      <h4>
        Listener {e.listener}
        {e.gateway === undefined ? '' : ` (gateway ${e.gateway}, listener ${e.listenerName ?? ''})`}
      </h4>
      {e.virtualHost === undefined ? (
        <p>No virtual host matches this Host → 404.</p>
      ) : (
        <>
          <p>Virtual host {e.virtualHost}</p>
          <ul>
            {e.rules.map((r) => (
              <li key={`${r.route}#${String(r.ruleIndex)}`}>
                {r.outcome === 'winner' ? '✓' : r.outcome === 'no-match' ? '✗' : '·'} {r.route} rule {r.ruleIndex} [{r.rule}]: {r.reason}
              </li>
            ))}
          </ul>
          <p>
            <strong>{e.winner === undefined ? '→ 404: no rule matches' : e.status !== undefined ? `→ answered by the gateway with ${String(e.status)}` : `→ ${e.winner}`}</strong>
          </p>
          <ul>
            {e.backends.map((b) => (
              <li key={b.backend}>
                backend {b.backend} weight {b.weight} ({b.share}%){b.invalid === undefined ? '' : ` INVALID: ${b.invalid}`}
                {b.policy === undefined ? '' : ` — policy ${b.policy.policy} (${b.policy.mode}), ${b.policy.requestClass}: ${b.policy.decision}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </article>
  );
}

/** The "why" form. */
export function ExplainForm({ api, clusters }: { api: Api; clusters: readonly string[] }) {
  const [input, setInput] = useState<ExplainInput>({ cluster: clusters[0] ?? '', host: '', path: '/', method: 'GET' });
  const [answer, setAnswer] = useState<readonly RouteExplanation[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const set = (k: keyof ExplainInput) => (e: { target: { value: string } }) => setInput({ ...input, [k]: e.target.value });
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    try {
      setAnswer(await api.get<RouteExplanation[]>(explainQuery(input)));
    } catch (err) {
      setAnswer(undefined);
      setError(errorText(err));
    }
  };
  return (
    <section aria-labelledby="why-heading" className="why">
      <h3 id="why-heading">Why does a request go where it goes?</h3>
      <form onSubmit={(e) => void submit(e)} className="filters">
        <label htmlFor="why-cluster">Entry cluster</label>
        <input id="why-cluster" list="why-clusters" value={input.cluster} onChange={set('cluster')} required />
        <datalist id="why-clusters">
          {clusters.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <label htmlFor="why-host">Host</label>
        <input id="why-host" value={input.host} onChange={set('host')} placeholder="cases.example.com" required />
        <label htmlFor="why-path">Path</label>
        <input id="why-path" value={input.path} onChange={set('path')} />
        <label htmlFor="why-method">Method</label>
        <input id="why-method" value={input.method} onChange={set('method')} />
        <button type="submit">Explain</button>
      </form>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {answer !== undefined && (
        <div role="status" data-testid="why-answer">
          {answer.length === 0 ? <p>No Lintas listener in that cluster.</p> : answer.map((e) => <Explanation key={e.listener} e={e} />)}
        </div>
      )}
    </section>
  );
}
