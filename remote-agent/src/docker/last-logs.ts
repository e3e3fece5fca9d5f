import { COMPOSE_SERVICE_LABEL, type DockerEngine } from './engine';
import { FrameDemuxer } from './frames';

/** The last `lines` log lines of one service, kept with a failure so a person sees why. */
export async function lastLogLines(
  engine: DockerEngine,
  project: string,
  service: string,
  lines = 30,
): Promise<string[]> {
  const containers = await engine.listContainers({ project, all: true });
  const c = containers.find((x) => x.Labels[COMPOSE_SERVICE_LABEL] === service);
  if (!c) return [];
  const info = await engine.inspectContainer(c.Id);
  const res = await engine.logs(c.Id, { tail: lines, follow: false });
  const demux = new FrameDemuxer(info.Config.Tty);
  const out: string[] = [];
  for await (const chunk of res) {
    for (const l of demux.push(chunk as Buffer)) out.push(l.text);
  }
  for (const l of demux.flush()) out.push(l.text);
  return out.slice(-lines).map((t) => (t.length > 2000 ? `${t.slice(0, 2000)}…` : t));
}
