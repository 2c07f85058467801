/**
 * Unsaved edits are not lost silently: a page with edits registers a guard, and leaving it (another page,
 * a reload, closing the tab) asks first. App.tsx and `navigate` ask `confirmLeave()` before changing page.
 */
import { useCallback, useEffect, useRef } from 'react';

const guards = new Set<{ message: string }>();

/** True when nothing is unsaved, or the user agrees to drop it. */
export function confirmLeave(): boolean {
  const first = guards.values().next().value;
  if (!first) return true;
  if (!window.confirm(first.message)) return false;
  guards.clear();
  return true;
}

/**
 * While `dirty`, leaving asks with `message` (a question the user answers OK to leave). Returns `release`,
 * for a page that is done and leaves on its own (the guard would otherwise last until its next render).
 */
export function useLeaveGuard(dirty: boolean, message: string): () => void {
  const current = useRef<{ message: string } | null>(null);
  useEffect(() => {
    if (!dirty) return;
    const guard = { message };
    current.current = guard;
    guards.add(guard);
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // older browsers show the prompt only when returnValue is set
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      guards.delete(guard);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, message]);
  return useCallback(() => {
    if (current.current) guards.delete(current.current);
  }, []);
}
