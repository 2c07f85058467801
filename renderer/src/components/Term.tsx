import { useId, useState } from 'react';
import { glossary, type GlossaryTerm } from '../glossary';

/** A word with its explanation on hover, focus or click (touch), read to screen readers as its description. */
export function Term({ term, children }: { term: GlossaryTerm; children: React.ReactNode }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  return (
    <span className={`term${open ? ' term-open' : ''}`}>
      <button type="button" className="term-word" aria-describedby={id} aria-expanded={open} onClick={() => setOpen(!open)} onBlur={() => setOpen(false)}>
        {children}
      </button>
      <span role="tooltip" id={id} className="term-tip">
        {glossary[term]}
      </span>
    </span>
  );
}
