import { describe, expect, it } from 'vitest';
import type { DiagnosticCheck } from '@protocol/types';
import { groupChecks } from './groupChecks';

const check = (id: string, status: DiagnosticCheck['status'], service?: string): DiagnosticCheck =>
  service === undefined
    ? { id, title: id, status, evidence: '' }
    : { id, title: id, status, evidence: '', service };

describe('groupChecks', () => {
  it('puts the failures of a service under its failed container, worst first', () => {
    const rows = groupChecks([
      check('docker', 'ok'),
      check('api.rest', 'fail', 'rest'),
      check('container.rest', 'fail', 'rest'),
      check('direct.rest', 'fail', 'rest'),
      check('container.auth', 'ok', 'auth'),
      check('logs.db', 'warn', 'db'),
      check('api.auth', 'fail', 'auth'),
    ]);
    expect(rows.map((r) => [r.check.id, r.causedBy?.id])).toEqual([
      ['container.rest', undefined],
      ['api.rest', 'container.rest'],
      ['direct.rest', 'container.rest'],
      ['api.auth', undefined],
      ['logs.db', undefined],
      ['docker', undefined],
      ['container.auth', undefined],
    ]);
  });
});
