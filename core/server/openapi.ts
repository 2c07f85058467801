/** The OpenAPI document, generated from the contract's zod schemas so it can never drift. */
import { z } from 'zod';
import { API_PREFIX, commands } from '../api/contract';
import { apiErrorBody } from '../api/define';
import { observeOpenApiPaths } from './observe-routes';

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = { description: 'Error with a hint saying what to do next', content: { 'application/json': { schema: jsonSchema(apiErrorBody) } } };
  for (const def of Object.values(commands)) {
    const path = API_PREFIX + def.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [...def.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const operation: Record<string, unknown> = {
      operationId: def.name,
      summary: def.summary,
      parameters: params,
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: z.toJSONSchema(def.output, { unrepresentable: 'any', io: 'output' }) } } },
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
      },
    };
    if (def.method === 'GET') {
      const shape = (def.input as z.ZodObject).shape as Record<string, z.ZodType> | undefined;
      for (const [name, schema] of Object.entries(shape ?? {})) {
        if (!def.path.includes(`:${name}`)) params.push({ name, in: 'query', required: false, schema: jsonSchema(schema) as { type: string } });
      }
    } else {
      operation.requestBody = { required: false, content: { 'application/json': { schema: jsonSchema(def.input) } } };
      (operation.responses as Record<number, unknown>)[415] = errorResponse;
    }
    (paths[path] ??= {})[def.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Axewallet control API',
      version,
      description:
        'Loopback only. Every request needs `Authorization: Bearer <token>` (the token is new at every start unless the stableApiToken setting keeps it; it is in the api-token file of the home). Request bodies are JSON (`Content-Type: application/json`, 415 otherwise). Live events: a WebSocket on /api/v1/events offering the subprotocols `axewallet.v1` and `axewallet.token.<token>` (or sending the bearer header).',
    },
    servers: [{ url: API_PREFIX }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: { ...paths, ...observeOpenApiPaths() },
  };
}
