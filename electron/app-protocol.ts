/**
 * Serves the built renderer on app://axewallet/ with the same CSP as the headless server, so the
 * window never loads file:// pages (which would have broad local file access) or remote content.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../core/server/server';
import { APP_ORIGIN } from './security';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The file a request maps to inside root, or undefined for anything outside it. Unknown paths get index.html (SPA routes). */
export function resolveAppFile(root: string, requestUrl: string): string | undefined {
  if (!requestUrl.startsWith(`${APP_ORIGIN}/`) && requestUrl !== APP_ORIGIN) return undefined;
  const pathname = decodeURIComponent(new URL(requestUrl).pathname);
  const file = join(root, normalize(pathname).replace(/^([/\\])+/, ''));
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
}

export function appResponse(root: string, requestUrl: string): Response {
  const file = resolveAppFile(root, requestUrl);
  if (!file || !existsSync(file)) return new Response('not found', { status: 404 });
  return new Response(readFileSync(file), {
    headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
  });
}
