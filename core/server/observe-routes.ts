/**
 * The two routes outside the API for the machines around Axewallet: `GET /health` (no token: liveness and
 * readiness, nothing secret) and `GET /metrics` (Prometheus text; the API token unless the user opened it).
 * They skip the Host check so a reverse proxy or a scraper may name the server as it likes: both are read-only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { apiErrorBody, ApiError, httpStatusOf } from '../api/define';
import { type Health, healthSchema } from '../api/observe';

export interface ObserveEndpoints {
  health(): Health;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** the user chose to serve /metrics without the token */
  metricsOpen(): boolean;
}

export const OBSERVE_PATHS = new Set(['/health', '/metrics']);

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  send(res, httpStatusOf[error.code], 'application/json; charset=utf-8', JSON.stringify(error.toBody()));
}

export async function serveObserve(req: IncomingMessage, res: ServerResponse, pathname: string, endpoints: ObserveEndpoints, tokenGiven: boolean): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, new ApiError('bad_request', `${req.method} is not allowed on ${pathname}.`, 'Use GET.'));
    return;
  }
  if (pathname === '/health') {
    const health = endpoints.health();
    // 503 while not ready, so a load balancer or uptime monitor needs no JSON parsing
    send(res, health.ready ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(health));
    return;
  }
  if (!tokenGiven && !endpoints.metricsOpen()) {
    sendError(res, new ApiError('unauthorized', '/metrics needs the API token.', 'Send Authorization: Bearer <token> from your scraper, or allow metrics without a token on the Integrations page.'));
    return;
  }
  const { contentType, body } = await endpoints.metrics();
  send(res, 200, contentType, body);
}

/** The two routes in the OpenAPI document; they live at the server's root, not under /api/v1. */
export function observeOpenApiPaths(): Record<string, Record<string, unknown>> {
  const root = [{ url: '/' }];
  const error = { description: 'Error with a hint saying what to do next', content: { 'application/json': { schema: z.toJSONSchema(apiErrorBody) } } };
  const health = { description: 'Liveness and readiness', content: { 'application/json': { schema: z.toJSONSchema(healthSchema) } } };
  return {
    '/health': {
      servers: root,
      get: {
        operationId: 'health',
        summary: 'Liveness and readiness without a token: Stratum port listening, an upstream up, wallet unlocked or not, backup fresh. Only what is safe to show to anyone who can reach the server.',
        security: [],
        responses: { 200: { ...health, description: 'Ready: miners can mine through Axewallet' }, 503: { ...health, description: 'Alive but not ready' } },
      },
    },
    '/metrics': {
      servers: root,
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text format 0.0.4): devices, shares, upstreams, ehash, quotes, backup, process. Needs the token unless metrics are opened on the Integrations page.',
        security: [{ bearer: [] }, {}],
        responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } }, 401: error },
      },
    },
  };
}
