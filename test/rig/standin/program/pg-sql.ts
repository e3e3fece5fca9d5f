// SQL text and results as the stand-ins need them, on top of the agent's Postgres client
// (remote-agent/src/common/pg-client.ts), which the stand-ins share with the agent.
import type { PgQueryResult } from '@common/pg-client';

/** A result as JSON-friendly objects: numbers and booleans converted, json parsed. */
export function rowsAsObjects(result: PgQueryResult): Record<string, unknown>[] {
  return result.rows.map((row) => {
    const object: Record<string, unknown> = {};
    result.fields.forEach((field, i) => {
      object[field.name] = convertValue(row[i] ?? null, field.typeOid);
    });
    return object;
  });
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

function convertValue(value: string | null, typeOid: number): unknown {
  if (value === null) return null;
  if (typeOid === 16) return value === 't';
  if (typeOid === 21 || typeOid === 23 || typeOid === 700 || typeOid === 701) return Number(value);
  if (typeOid === 114 || typeOid === 3802) return JSON.parse(value) as unknown;
  return value;
}
