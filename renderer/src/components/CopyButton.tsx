import { useState } from 'react';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="row">
      <button type="button" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status">{state === 'copied' ? 'Copied.' : state === 'failed' ? 'Copy failed: select the text and copy it by hand.' : ''}</span>
    </span>
  );
}
