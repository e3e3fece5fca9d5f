import type { AlertKind } from '@protocol/alerts';

export type AlertLanguage = 'en' | 'pt-BR';

interface KindText {
  /** One event: {project}, {days}, {freePercent}… from the event's facts. */
  one: string;
  /** Several events of this kind in one message: {n}. */
  many: string;
  next: string;
}

export interface Catalog {
  labels: {
    server: string;
    project: string;
    what: string;
    since: string;
    tried: string;
    next: string;
    downtime: string;
    alerts: string;
    more: string;
    testTitle: string;
    testBody: string;
  };
  kinds: Record<AlertKind, KindText>;
}

const en: Catalog = {
  labels: {
    server: 'Server',
    project: 'Project',
    what: 'What happened',
    since: 'Since',
    tried: 'The agent tried',
    next: 'Next step',
    downtime: 'Down for',
    alerts: '{n} alerts',
    more: '…and {n} more',
    testTitle: 'Test message from Ultrabase',
    testBody: 'This channel works: alerts from this server will arrive here.',
  },
  kinds: {
    'project.down': {
      one: 'Project {project} is down',
      many: '{n} projects are down',
      next: 'Open the project in Ultrabase and run Diagnose; the agent keeps trying to repair it.',
    },
    'project.recovered': {
      one: 'Project {project} is back up',
      many: '{n} projects are back up',
      next: 'Nothing to do now; read the project’s logs to learn the cause.',
    },
    'repair.done': {
      one: 'The agent repaired {project}',
      many: 'The agent repaired {n} projects',
      next: 'Nothing to do; if it happens again, read the logs.',
    },
    'project.needs-attention': {
      one: '{project} needs a person: automatic repair gave up',
      many: '{n} projects need a person: automatic repair gave up',
      next: 'Open Diagnose in Ultrabase, fix the cause, then repair by hand.',
    },
    'creation.failed': {
      one: 'Creating {project} failed',
      many: 'Creating {n} projects failed',
      next: 'Read the error in Ultrabase, then delete the project and create it again.',
    },
    'upgrade.failed': {
      one: 'Upgrading {project} failed',
      many: 'Upgrading {n} projects failed',
      next: 'Open the project in Ultrabase and read the error before trying again.',
    },
    'backup.failed': {
      one: 'The backup of {project} failed',
      many: 'Backups of {n} projects failed',
      next: 'Check the backup destination, then run a backup by hand.',
    },
    'restore-drill.failed': {
      one: 'The restore drill of {project} failed',
      many: 'Restore drills of {n} projects failed',
      next: 'Check the latest backup: it may not restore.',
    },
    'certificate.expiring': {
      one: 'The certificate of {project} expires in {days} days',
      many: 'Certificates of {n} projects expire soon',
      next: 'Check that the domain’s DNS points at this server, so renewal can succeed.',
    },
    'host.disk': {
      one: 'Disk almost full: {freePercent}% free',
      many: 'Disk almost full',
      next: 'Free space: remove unused images (docker image prune) or stopped projects.',
    },
    'host.memory': {
      one: 'Memory low: {freePercent}% available',
      many: 'Memory low',
      next: 'Stop projects nobody uses, or give the server more memory.',
    },
    'agent.restarted': {
      one: 'The agent restarted after an unexpected stop',
      many: 'The agent restarted after unexpected stops',
      next: 'If this repeats, check the server’s memory and system log.',
    },
    'operation.disk-full': {
      one: 'The disk filled up during an operation on {project}; it was rolled back',
      many: 'The disk filled up during {n} operations; they were rolled back',
      next: 'Free space on the server (old backups, unused images: docker image prune), then try again.',
    },
  },
};

const ptBR: Catalog = {
  labels: {
    server: 'Servidor',
    project: 'Projeto',
    what: 'O que aconteceu',
    since: 'Desde',
    tried: 'O agente tentou',
    next: 'Próximo passo',
    downtime: 'Tempo fora do ar',
    alerts: '{n} alertas',
    more: '…e mais {n}',
    testTitle: 'Mensagem de teste do Ultrabase',
    testBody: 'Este canal funciona: os alertas deste servidor vão chegar aqui.',
  },
  kinds: {
    'project.down': {
      one: 'O projeto {project} está fora do ar',
      many: '{n} projetos estão fora do ar',
      next: 'Abra o projeto no Ultrabase e rode o diagnóstico; o agente continua tentando consertar.',
    },
    'project.recovered': {
      one: 'O projeto {project} voltou a funcionar',
      many: '{n} projetos voltaram a funcionar',
      next: 'Nada a fazer agora; veja os logs do projeto para entender a causa.',
    },
    'repair.done': {
      one: 'O agente consertou {project}',
      many: 'O agente consertou {n} projetos',
      next: 'Nada a fazer; se acontecer de novo, veja os logs.',
    },
    'project.needs-attention': {
      one: '{project} precisa de alguém: o reparo automático desistiu',
      many: '{n} projetos precisam de alguém: o reparo automático desistiu',
      next: 'Abra o diagnóstico no Ultrabase, corrija a causa e faça o reparo manualmente.',
    },
    'creation.failed': {
      one: 'A criação de {project} falhou',
      many: 'A criação de {n} projetos falhou',
      next: 'Leia o erro no Ultrabase, depois apague o projeto e crie de novo.',
    },
    'upgrade.failed': {
      one: 'A atualização de {project} falhou',
      many: 'A atualização de {n} projetos falhou',
      next: 'Abra o projeto no Ultrabase e leia o erro antes de tentar de novo.',
    },
    'backup.failed': {
      one: 'O backup de {project} falhou',
      many: 'Os backups de {n} projetos falharam',
      next: 'Confira o destino do backup e rode um backup manualmente.',
    },
    'restore-drill.failed': {
      one: 'O teste de restauração de {project} falhou',
      many: 'Os testes de restauração de {n} projetos falharam',
      next: 'Confira o último backup: ele pode não restaurar.',
    },
    'certificate.expiring': {
      one: 'O certificado de {project} vence em {days} dias',
      many: 'Os certificados de {n} projetos vencem em breve',
      next: 'Confira se o DNS do domínio aponta para este servidor, para a renovação dar certo.',
    },
    'host.disk': {
      one: 'Disco quase cheio: {freePercent}% livre',
      many: 'Disco quase cheio',
      next: 'Libere espaço: remova imagens sem uso (docker image prune) ou projetos parados.',
    },
    'host.memory': {
      one: 'Pouca memória: {freePercent}% disponível',
      many: 'Pouca memória',
      next: 'Pare projetos que ninguém usa ou aumente a memória do servidor.',
    },
    'agent.restarted': {
      one: 'O agente reiniciou depois de uma parada inesperada',
      many: 'O agente reiniciou depois de paradas inesperadas',
      next: 'Se isso se repetir, confira a memória e o log do sistema do servidor.',
    },
    'operation.disk-full': {
      one: 'O disco encheu durante uma operação em {project}; ela foi desfeita',
      many: 'O disco encheu durante {n} operações; elas foram desfeitas',
      next: 'Libere espaço no servidor (backups antigos, imagens sem uso: docker image prune) e tente de novo.',
    },
  },
};

export const CATALOGS: Record<AlertLanguage, Catalog> = { en, 'pt-BR': ptBR };

export function fill(template: string, values: Record<string, string | number | boolean>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] !== undefined ? String(values[name]) : whole,
  );
}
