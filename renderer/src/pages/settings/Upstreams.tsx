/** The pool list in Settings: failover order, each pool's own mint, adding a pool. */
import { useState } from 'react';
import type { Settings } from '../../../../core/api/system';
import { parseUpstreamUrl } from '../../../../core/api/upstream-url';
import { Field } from '../../components/Field';
import { mintUrlProblem, upstreamProblem } from '../../validation';

type Upstream = Settings['upstreams'][number];

interface UpstreamsProps {
  id: string;
  upstreams: Upstream[];
  onChange(upstreams: Upstream[]): void;
  /** the saved list (the demo network says it is not used this run) */
  savedCount: number;
  demo: boolean;
  /** the server's message for a field under "upstreams" (e.g. upstreams.1.mintUrl) */
  serverErrorFor(field: string): string | undefined;
  /** the text typed into "Add upstream" but not added yet (leaving the page asks first) */
  onPendingChange(pending: boolean): void;
}

/** What is wrong with each pool in the list, or nothing: the form is not sent while any is set. */
export function upstreamListProblems(upstreams: Upstream[]): Array<{ url?: string; mintUrl?: string }> {
  return upstreams.map((u) => {
    const url = upstreamProblem(u.url);
    const mintUrl = mintUrlProblem(u.mintUrl ?? '');
    return { ...(url ? { url } : {}), ...(mintUrl ? { mintUrl } : {}) };
  });
}

export function Upstreams({ id, upstreams, onChange, savedCount, demo, serverErrorFor, onPendingChange }: UpstreamsProps) {
  const [newUpstream, setNewUpstream] = useState('');
  const [newUpstreamError, setNewUpstreamError] = useState<string>();
  const problems = upstreamListProblems(upstreams);

  const update = (index: number, change: Partial<Upstream>) => {
    onChange(
      upstreams.map((u, i) => {
        if (i !== index) return u;
        const next = { ...u, ...change };
        // an emptied mint field means "the mint address below": the key goes, it is not saved as ""
        if (!next.mintUrl) delete next.mintUrl;
        return next;
      }),
    );
  };

  const move = (index: number, delta: number) => {
    const list = [...upstreams];
    const [item] = list.splice(index, 1);
    list.splice(index + delta, 0, item!);
    onChange(list);
  };

  const typed = (value: string) => {
    setNewUpstream(value);
    setNewUpstreamError(undefined);
    onPendingChange(value.trim() !== '');
  };

  const add = () => {
    const problem = upstreamProblem(newUpstream);
    setNewUpstreamError(problem);
    if (problem) return;
    onChange([...upstreams, { url: parseUpstreamUrl(newUpstream).url }]);
    typed('');
  };

  return (
    <fieldset>
      <legend>Upstreams (failover order: the first is used, the next take over when it fails)</legend>
      {upstreams.length === 0 && <p className="muted">No pool configured: Axewallet mines on the demo network.</p>}
      {demo && savedCount > 0 && (
        <p className="hint" role="note">
          Axewallet is running the demo network this time; it mines on these pools from its next start (without --demo).
        </p>
      )}
      <ol className="list">
        {upstreams.map((upstream, index) => {
          const fieldId = `${id}-upstream-${index}`;
          const n = index + 1;
          return (
            <li key={index} className="stack">
              <Field
                id={fieldId}
                label={`Upstream ${n}`}
                error={problems[index]!.url ?? serverErrorFor(`upstreams.${index}.url`)}
                inline
                after={
                  <>
                    <button type="button" onClick={() => move(index, -1)} disabled={index === 0} aria-label={`Move upstream ${n} up`}>
                      ↑
                    </button>
                    <button type="button" onClick={() => move(index, 1)} disabled={index === upstreams.length - 1} aria-label={`Move upstream ${n} down`}>
                      ↓
                    </button>
                    <button type="button" onClick={() => onChange(upstreams.filter((_, i) => i !== index))} aria-label={`Remove upstream ${n}`}>
                      Remove
                    </button>
                  </>
                }
              >
                {(control) => <input {...control} value={upstream.url} onChange={(e) => update(index, { url: e.target.value })} />}
              </Field>
              <Field id={`${fieldId}-mint`} label={`Mint of upstream ${n}`} error={problems[index]!.mintUrl ?? serverErrorFor(`upstreams.${index}.mintUrl`)} inline>
                {(control) => (
                  <input {...control} placeholder="empty: the mint address below" value={upstream.mintUrl ?? ''} onChange={(e) => update(index, { mintUrl: e.target.value.trim() || undefined })} />
                )}
              </Field>
            </li>
          );
        })}
      </ol>
      {upstreams.length > 0 && (
        <p className="hint">
          A pool&apos;s mint is where the ehash for its shares is minted. Leave it empty when the pool pays at the mint address below; set it for a second hashpool in the failover list that runs its
          own mint.
        </p>
      )}
      <Field
        id={`${id}-new-upstream`}
        label="Add upstream"
        hint="A hashpool (Stratum V2) address ends with the pool's authority key; a Stratum V1 pool forwards shares and mints no ehash."
        error={newUpstreamError}
        inline
        after={
          <button type="button" onClick={add}>
            Add upstream
          </button>
        }
      >
        {(control) => (
          <input
            {...control}
            placeholder="stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY or stratum+tcp://HOST:PORT"
            value={newUpstream}
            onChange={(e) => typed(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        )}
      </Field>
    </fieldset>
  );
}
