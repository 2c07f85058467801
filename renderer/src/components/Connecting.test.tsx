/** The page shown until the engine first answers. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Connecting, slowFirstAnswerHint } from './Connecting';

describe('Connecting', () => {
  it('says it is connecting, as a status, and nothing more at first', () => {
    expect(renderToStaticMarkup(<Connecting desktop={false} />)).toBe('<p role="status">Connecting to Axewallet…</p>');
  });

  it('tells the browser to check the engine and reload, and the desktop app to open Axewallet again', () => {
    expect(slowFirstAnswerHint(false)).toBe('It has not answered yet; it may still be starting. If this stays, check that Axewallet is running, then reload this page.');
    expect(slowFirstAnswerHint(true)).toBe('It has not answered yet; it may still be starting. If this stays, quit Axewallet and open it again.');
  });
});
