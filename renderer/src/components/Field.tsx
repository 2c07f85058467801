/**
 * Form rows every page shares: a label, its control, a hint saying what to enter and the error saying what is wrong,
 * wired together for screen readers (the control is described by its hint and its error, and marked invalid while
 * the error shows). The journeys find controls by these labels.
 */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { FieldError } from './ErrorNotice';

/** What the row hands its control: spread it onto the <input>, <select> or <textarea>. */
export interface FieldControl {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  /** the control's id (from useId); the hint and error ids derive from it */
  id: string;
  label: ReactNode;
  /** what to enter, under the control */
  hint?: ReactNode;
  /** what is wrong, under the hint; nothing shows while it is empty */
  error?: string | null;
  /** label and control side by side on one line (short values); otherwise the label sits above */
  inline?: boolean;
  /** buttons next to the control (Max, Add, Paste...) */
  after?: ReactNode;
  children(control: FieldControl): ReactNode;
}

export function Field({ id, label, hint, error, inline = false, after, children }: FieldProps) {
  const hintId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(' ');
  const control = children({ id, 'aria-invalid': !!error, 'aria-describedby': describedBy || undefined });
  return (
    <>
      {inline ? (
        <div className="row">
          <label htmlFor={id}>{label}</label>
          {control}
          {after}
        </div>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {after ? (
            <div className="row">
              {control}
              {after}
            </div>
          ) : (
            control
          )}
        </>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      <FieldError id={errorId} message={error} />
    </>
  );
}

/** A checkbox or radio button with its words to the right, the whole line clickable. */
export function Check({ children, indent = false, ...input }: InputHTMLAttributes<HTMLInputElement> & { children: ReactNode; indent?: boolean }) {
  return (
    <label className={indent ? 'check indent' : 'check'}>
      <input type="checkbox" {...input} />
      {children}
    </label>
  );
}

/** "message hint" in one line, for an API error shown under a field */
export function errorText(error: { message: string; hint?: string } | undefined | null): string | undefined {
  if (!error) return undefined;
  return error.hint ? `${error.message} ${error.hint}` : error.message;
}
