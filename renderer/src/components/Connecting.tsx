import { useEffect, useState } from 'react';

/** after this long without the engine's first answer, the page says what may be going on and what to do */
const SLOW_FIRST_ANSWER_MS = 5000;

/** What to do about an engine that has not answered yet: the desktop app has no page to reload, only itself. */
export function slowFirstAnswerHint(desktop: boolean): string {
  const next = desktop ? 'quit Axewallet and open it again' : 'check that Axewallet is running, then reload this page';
  return `It has not answered yet; it may still be starting. If this stays, ${next}.`;
}

/** Shown until the engine first answers; an engine still starting (or stuck) is named after a few seconds. */
export function Connecting({ desktop }: { desktop: boolean }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), SLOW_FIRST_ANSWER_MS);
    return () => clearTimeout(timer);
  }, []);
  return <p role="status">Connecting to Axewallet…{slow && ` ${slowFirstAnswerHint(desktop)}`}</p>;
}
