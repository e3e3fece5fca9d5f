import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { AlertMethodParams } from '@protocol/alerts';
import { callerOf, type Handlers } from '../api/context';
import { createAlertHandlers } from './handlers';
import type { AlertService } from './service';

type AlertMethod = keyof typeof AlertMethodParams;

/** The `alerts.*` wire methods over the agent's alert service (absent: refused clearly). */
export function alertWireHandlers(alerts: AlertService | undefined): Pick<Handlers, AlertMethod> {
  const h = alerts ? createAlertHandlers(alerts) : undefined;
  const need = () => {
    if (!h) throw new AgentError(ErrorCode.INTERNAL, 'Alerts are not running on this agent.');
    return h;
  };
  return {
    'alerts.get': (p, ctx) => need()['alerts.get'](p, callerOf(ctx)),
    'alerts.channels.set': (p, ctx) => need()['alerts.channels.set'](p, callerOf(ctx)),
    'alerts.channels.delete': (p, ctx) => need()['alerts.channels.delete'](p, callerOf(ctx)),
    'alerts.rules.set': (p, ctx) => need()['alerts.rules.set'](p, callerOf(ctx)),
    'alerts.settings.set': (p, ctx) => need()['alerts.settings.set'](p, callerOf(ctx)),
    'alerts.test': (p, ctx) => need()['alerts.test'](p, callerOf(ctx)),
    'alerts.log': (p, ctx) => need()['alerts.log'](p, callerOf(ctx)),
  };
}
