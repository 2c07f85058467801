/** The one form row: label, control, hint and error wired together for screen readers. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Check, errorText, Field } from './Field';

const render = (error?: string, hint?: string) =>
  renderToStaticMarkup(
    <Field id="f-amount" label="Amount to send" hint={hint} error={error}>
      {(control) => <input {...control} value="" readOnly />}
    </Field>,
  );

describe('Field', () => {
  it('labels its control, and marks it valid with nothing to describe while there is neither hint nor error', () => {
    const html = render();
    expect(html).toContain('<label for="f-amount">Amount to send</label>');
    expect(html).toContain('id="f-amount" aria-invalid="false"');
    expect(html).not.toContain('aria-describedby');
    expect(html).not.toContain('role="alert"');
  });

  it('points the control at its hint and its error, and marks it invalid while the error shows', () => {
    const html = render('Only 21 hash available.', 'k = thousand, M = million.');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="f-amount-help f-amount-error"');
    expect(html).toContain('<p id="f-amount-help" class="hint">k = thousand, M = million.</p>');
    expect(html).toContain('<p id="f-amount-error" class="field-error" role="alert">Only 21 hash available.</p>');
  });

  it('puts label, control and buttons on one line when inline', () => {
    const html = renderToStaticMarkup(
      <Field id="f-relay" label="Add relay" inline after={<button type="button">Add relay</button>}>
        {(control) => <input {...control} />}
      </Field>,
    );
    expect(html).toMatch(/^<div class="row"><label for="f-relay">Add relay<\/label><input id="f-relay"[^>]*\/><button type="button">Add relay<\/button><\/div>$/);
  });

  it('a check line is a label around its box, a checkbox unless told otherwise', () => {
    expect(
      renderToStaticMarkup(
        <Check checked readOnly>
          Keep the same API token
        </Check>,
      ),
    ).toBe('<label class="check"><input type="checkbox" readOnly="" checked=""/>Keep the same API token</label>');
    expect(
      renderToStaticMarkup(
        <Check type="radio" indent name="k" readOnly>
          Static key
        </Check>,
      ),
    ).toBe('<label class="check indent"><input type="radio" readOnly="" name="k"/>Static key</label>');
  });

  it('an API error reads as its message and what to do next', () => {
    expect(errorText({ message: 'The relay refused.', hint: 'Try another relay.' })).toBe('The relay refused. Try another relay.');
    expect(errorText({ message: 'The relay refused.' })).toBe('The relay refused.');
    expect(errorText(undefined)).toBeUndefined();
  });
});
