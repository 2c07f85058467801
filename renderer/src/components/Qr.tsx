import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** A QR code as a data: URL image (the CSP allows img-src data:). Long cashuB tokens get a low error-correction level to fit. */
export function Qr({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    let cancelled = false;
    QRCode.toDataURL(text, { errorCorrectionLevel: text.length > 1000 ? 'L' : 'M', margin: 2, width: 320 }).then(
      (url) => !cancelled && setSrc(url),
      () => !cancelled && setProblem('This token is too long for one QR code; copy it instead.'),
    );
    return () => {
      cancelled = true;
    };
  }, [text]);
  if (problem) return <p className="muted">{problem}</p>;
  return src ? <img className="qr" src={src} alt={label} width={320} height={320} /> : null;
}
