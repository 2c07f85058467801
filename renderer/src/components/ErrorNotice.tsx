import type { ApiError } from '../../../core/api/define';
import { isNotAvailable } from '../api';

/** An error with what to do next. A part that is not running reads as a state of the app, not as a failure. */
export function ErrorNotice({ error, onRetry, title }: { error: ApiError; onRetry?: () => void; title?: string }) {
  const unavailable = isNotAvailable(error);
  return (
    <div className={unavailable ? 'notice notice-muted' : 'notice notice-error'} role={unavailable ? 'status' : 'alert'}>
      <strong>{title ?? (unavailable ? 'Not available right now' : 'Something went wrong')}</strong>
      <p>{error.message}</p>
      {error.hint && <p className="hint">{error.hint}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The message shown under a form field; the field points to it with aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined | null }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  );
}
