import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'react';
import { bytesOf, UrDecoder } from '../ur/ur';

const SCAN_MS = 120;

/** Whether this machine has a camera the page may ask for (none: the scan button is not shown). */
export async function hasCamera(): Promise<boolean> {
  if (!navigator.mediaDevices?.getUserMedia || !navigator.mediaDevices.enumerateDevices) return false;
  try {
    return (await navigator.mediaDevices.enumerateDevices()).some((d) => d.kind === 'videoinput');
  } catch {
    return false;
  }
}

/**
 * Reads a cashu token from the camera: a plain QR code at once, an animated UR one part by part (with progress)
 * until the fountain decoder has the whole token.
 */
export function QrScanner({ onToken, onClose }: { onToken(token: string): void; onClose(): void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [progress, setProgress] = useState<number>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const decoder = new UrDecoder();
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' } })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return s.getTracks().forEach((t) => t.stop());
        video.current.srcObject = s;
        await video.current.play();
        timer = setInterval(() => {
          const v = video.current;
          if (!v || !context || v.videoWidth === 0) return;
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          context.drawImage(v, 0, 0);
          const code = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
          if (!code) return;
          if (!code.data.toLowerCase().startsWith('ur:')) {
            onToken(code.data.trim());
            return;
          }
          decoder.receive(code.data);
          setProgress(decoder.progress);
          const ur = decoder.result;
          if (ur) onToken(new TextDecoder().decode(bytesOf(ur)));
          else if (decoder.error) setProblem(`The animated code could not be read (${decoder.error}); scan it again.`);
        }, SCAN_MS);
      })
      .catch((error: unknown) => setProblem(`The camera cannot be used: ${(error as Error).message}. Paste the token instead.`));
    return () => {
      stopped = true;
      clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [onToken]);

  return (
    <div className="stack scanner">
      <video ref={video} muted playsInline aria-label="Camera view for scanning a token" />
      {progress !== undefined && (
        <p role="status" className="row">
          <progress max={1} value={progress} aria-label="Animated QR code read so far" /> {Math.round(progress * 100)}% of the animated code read
        </p>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <button type="button" onClick={onClose}>
        Stop scanning
      </button>
    </div>
  );
}
