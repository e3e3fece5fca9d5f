import { callerOf, type AgentServices, type Handlers } from '../api/context';
import { setInstanceTags } from '../instances/tags';
import { BulkRunner } from './runner';

type FleetMethods = 'instances.setTags' | 'bulk.start' | 'bulk.get' | 'bulk.list';

/**
 * The fleet view's wire methods: tags on a project and bulk jobs. The runner is built once per
 * agent (createHandlers is), and runs items through the same instance service as single calls.
 */
export function createFleetHandlers(s: AgentServices): Pick<Handlers, FleetMethods> {
  const bulk = new BulkRunner({
    get: (caller, id) => s.instances.get(caller, id),
    start: (caller, id) => s.instances.start(caller, id),
    stop: (caller, id) => s.instances.stop(caller, id),
    restart: (caller, id) => s.instances.restart(caller, id),
    diagnose: (caller, id) => {
      s.instances.get(caller, id);
      return s.health.diagnose(id, { includeHost: caller.role === 'admin' });
    },
    emit: (event) => s.bus.emit(event),
    audit: (entry) => void s.audit.append(entry).catch(() => undefined),
    now: () => s.now(),
  });
  return {
    'instances.setTags': async ({ id, tags }, ctx) => ({
      instance: await setInstanceTags(s, callerOf(ctx), id, tags),
    }),
    'bulk.start': ({ action, ids }, ctx) => ({ job: bulk.start(callerOf(ctx), action, ids) }),
    'bulk.get': ({ job }, ctx) => ({ job: bulk.get(callerOf(ctx), job) }),
    'bulk.list': (_p, ctx) => ({ jobs: bulk.list(callerOf(ctx)) }),
  };
}
