import QRCode from 'qrcode';
import { useEffect, useMemo, useState } from 'react';
import { bytesUr, UrEncoder } from '../ur/ur';

/** Up to this many characters a token is one QR code a phone reads easily; longer ones animate as UR parts. */
export const STATIC_QR_MAX = 500;
/** bytes of token per animated frame: each frame stays a small, sparse QR code */
const FRAGMENT_BYTES = 150;
const FRAME_MS = 250;
const SLOW_FRAME_MS = 600;

function render(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'L', margin: 2, width: 320 });
}

/**
 * A token as a QR code the way cashu wallets read it: a short one as itself, a long one as an endless animated
 * sequence of `ur:bytes` fountain-coded parts (BCR-2020-005), so a camera that starts late or misses frames
 * still completes it.
 */
export function TokenQr({ text, label }: { text: string; label: string }) {
  const animated = text.length > STATIC_QR_MAX;
  const encoder = useMemo(() => (animated ? new UrEncoder(bytesUr(new TextEncoder().encode(text)), FRAGMENT_BYTES) : undefined), [text, animated]);
  const [src, setSrc] = useState<string>();
  const [frame, setFrame] = useState(0);
  const [paused, setPaused] = useState(false);
  const [problem, setProblem] = useState<string>();
  const slow = typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

  useEffect(() => {
    let cancelled = false;
    const show = (content: string) =>
      render(content).then(
        (url) => !cancelled && setSrc(url),
        () => !cancelled && setProblem('This token cannot be drawn as a QR code; copy it instead.'),
      );
    if (!encoder) {
      void show(text);
      return () => {
        cancelled = true;
      };
    }
    const next = () => {
      // upper case: the QR code's compact alphanumeric mode (URs are case-insensitive)
      void show(encoder.nextPart().toUpperCase());
      setFrame((f) => f + 1);
    };
    next();
    const timer = paused ? undefined : setInterval(next, slow ? SLOW_FRAME_MS : FRAME_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [text, encoder, paused, slow]);

  if (problem) return <p className="muted">{problem}</p>;
  return (
    <figure className="token-qr">
      {src && <img className="qr" src={src} alt={label} width={320} height={320} data-qr-kind={encoder ? 'ur' : 'static'} />}
      <figcaption className="hint">
        {encoder ? (
          <>
            Animated QR code in {encoder.seqLen} parts (UR, as cashu wallets read it): hold the receiver&apos;s camera on it until their wallet says it is complete. Part {frame}.{' '}
            <button type="button" onClick={() => setPaused(!paused)}>
              {paused ? 'Play the animation' : 'Pause the animation'}
            </button>
          </>
        ) : (
          'Scan with any cashu wallet.'
        )}
      </figcaption>
    </figure>
  );
}
