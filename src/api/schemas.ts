/**
 * JSON schemas shared by the routes. Response schemas double as a whitelist: fastify's
 * serializer drops any field a schema does not name, so a column added to the store later
 * cannot leak into a response by accident.
 */
export const ERROR_SCHEMA_ID = 'Error';

export const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A code from the error catalogue (src/core/errors.ts)' },
        message: { type: 'string' },
        field: { type: 'string', description: 'The request field at fault, e.g. items[2].url' },
        requestId: { type: 'string', description: 'Given on 5xx: the id of the server log line' },
      },
    },
  },
} as const;

export const errorRef = { $ref: `${ERROR_SCHEMA_ID}#` } as const;

/** Every route answers errors in the same shape. */
export const errorResponses = { '4xx': errorRef, '5xx': errorRef } as const;

export const id = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
export const idParams = { type: 'object', required: ['id'], properties: { id } } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullable = <S extends object>(schema: S) => ({ anyOf: [schema, { type: 'null' }] }) as const;
/** Free text a person typed (a name, a case reference): no control characters. */
export const label = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }) as const;
export const hex = (digits: number) => ({ type: 'string', pattern: `^[0-9a-fA-F]{${digits}}$` }) as const;
export interface IdParams {
  id: number;
}
