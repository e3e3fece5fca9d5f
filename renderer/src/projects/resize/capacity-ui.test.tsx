import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerCapacity } from '@contract/api';
import { createAppStore, StoreContext } from '../../app/store';
import { project, testApi } from '../../app/testApi';
import { SizeSelect } from '../../create/SizeSelect';
import { i18n } from '../../i18n/i18n';
import { CapacityView } from '../../servers/CapacityPanel';
import { ResizeForm, SizePanel, type Preview } from './ResizeDialog';
import { changeFrom, memoryRefusal, servicesNow } from './resize-model';

// The capacity panel, the create dialog's size picker and the resize dialog, rendered from plain
// values in both languages: what each shows for a given agent answer.

const capacity: ServerCapacity = {
  memoryTotalMb: 16_000,
  overcommit: 2,
  memoryAllowedMb: 32_000,
  memoryCommittedMb: 24_000,
  memoryFreeMb: 8_000,
  projectsBySize: { small: 3, medium: 5, large: 1, custom: 0, none: 0 },
  fits: { small: 5, medium: 2, large: 1 },
  networks: { pool: '10.231.0.0/16', subnetPrefix: 27, used: 9, capacity: 2048 },
  portsLeft: { kongHttp: 40, postgres: 12 },
};

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('capacity panel', () => {
  it('shows committed memory, networks, what fits per size and the scarcest port range', () => {
    const html = renderToStaticMarkup(<CapacityView capacity={capacity} />);
    const t = text(html);
    expect(t).toContain('Memory committed by limits');
    expect(t).toContain('23 GB of 31 GB allowed (16 GB physical × 2 overcommit)');
    expect(t).toContain('9 of 2048 subnets in 10.231.0.0/16');
    expect(html).toMatch(/data-testid="fits-small"[^>]*>5 more fit</);
    expect(html).toMatch(/data-testid="fits-large"[^>]*>1 more fits</);
    expect(t).toContain('5 projects now');
    expect(t).toContain('Ports left for 12 more projects');
    expect(html).toMatch(/role="meter" aria-label="Memory committed by limits" aria-valuenow="75"/);
    expect(html).not.toContain('capacity-disk'); // an older agent sends no disk list
  });

  it('lists disk per project, largest first as the agent sends it', () => {
    const html = renderToStaticMarkup(
      <CapacityView
        capacity={{
          ...capacity,
          disk: [
            { id: 'b', name: 'loja-bahia', diskMb: 2048 },
            { id: 'a', name: 'portal', diskMb: 300 },
          ],
        }}
      />,
    );
    const t = text(html);
    expect(t).toContain('Disk per project');
    expect(t.indexOf('loja-bahia')).toBeLessThan(t.indexOf('portal'));
    expect(t).toMatch(/loja-bahia 2(\.0)? GB/);
    expect(t).toContain('portal 300 MB');
  });

  it('speaks Brazilian Portuguese', async () => {
    await i18n.changeLanguage('pt-BR');
    const t = text(renderToStaticMarkup(<CapacityView capacity={capacity} />));
    expect(t).toContain('Memória reservada pelos limites');
    expect(t).toContain('cabem mais 5');
    expect(t).toContain('cabe mais 1');
  });
});

describe('create dialog size picker', () => {
  it('says how many more of each size fit on the chosen server', () => {
    const html = renderToStaticMarkup(
      <SizeSelect size="medium" onChange={() => undefined} capacity={capacity} />,
    );
    expect(html).toContain('Small: 5 more fit on this server');
    expect(html).toContain('Medium: 2 more fit on this server');
    expect(html).toContain('Large: 1 more fits on this server');
    expect(html).toMatch(/<option value="medium" selected="">/);
  });

  it('names the sizes alone while the capacity is unknown (older agent, still reading)', () => {
    const html = renderToStaticMarkup(
      <SizeSelect size="small" onChange={() => undefined} capacity={undefined} />,
    );
    expect(html).toMatch(/<option value="small" selected="">Small<\/option>/);
    expect(html).not.toContain('more fit');
  });
});

function form(preview: Preview, running = true) {
  return renderToStaticMarkup(
    <ResizeForm
      size="large"
      services={{ ...servicesNow(undefined), functions: false }}
      onSize={() => undefined}
      onService={() => undefined}
      preview={preview}
      running={running}
      applyError={null}
    />,
  );
}

describe('resize dialog', () => {
  it('shows the chosen size and services, and what the agent would recreate', () => {
    const html = form({
      kind: 'plan',
      plan: { keys: ['size'], files: ['docker-compose.yml'], services: ['db', 'auth'] },
    });
    expect(html).toMatch(/name="project-size" checked="" value="large"/);
    expect(html).toMatch(/name="service-functions"\/>/);
    expect(html).toMatch(/name="service-realtime" checked=""/);
    expect(html).toMatch(/name="service-logs"\/>/);
    const t = text(html);
    expect(t).toContain('The server has room for these limits.');
    expect(t).toContain('Recreated, the others keep running: db, auth.');
  });

  it('says a stopped project takes the limits at its next start', () => {
    const t = text(form({ kind: 'plan', plan: { keys: [], files: [], services: ['db'] } }, false));
    expect(t).toContain('The project is not running: db take the new limits');
  });

  it('shows the memory refusal with the numbers the agent sent', () => {
    const refusal = memoryRefusal({
      code: 'INSUFFICIENT_RESOURCES',
      data: {
        memoryRequestedMb: 5888,
        memoryFreeMb: 1000,
        memoryAllowedMb: 32_000,
        memoryTotalMb: 16_000,
        overcommit: 2,
        memoryCommittedMb: 31_000,
      },
    });
    expect(refusal).toBeDefined();
    const html = form({ kind: 'refused', refusal: refusal! });
    expect(html).toContain('data-testid="resize-refused"');
    expect(text(html)).toMatch(/these limits need 5[,.]?888 MB|these limits need 5\.\d GB/);
  });

  it('summarises the project on the settings tab in Portuguese', async () => {
    await i18n.changeLanguage('pt-BR');
    const store = createAppStore(testApi({}));
    const html = renderToStaticMarkup(
      <StoreContext.Provider value={store}>
        <SizePanel
          project={project({ size: { profile: 'small' }, optionalServices: { studio: false } })}
        />
      </StoreContext.Provider>,
    );
    const t = text(html);
    expect(t).toContain('Tamanho e serviços');
    expect(t).toContain('Pequeno');
    expect(t).toContain('Edge Functions, Realtime, Transformação de imagens');
    expect(t).not.toContain('Studio');
  });
});

describe('resize model', () => {
  it('sends only what differs: an unchanged form asks nothing', () => {
    const current = { size: { profile: 'small' as const }, optionalServices: { imgproxy: false } };
    const same = changeFrom(current, {
      size: 'small',
      services: servicesNow({ imgproxy: false }),
    });
    expect(same).toEqual({});
    expect(
      changeFrom(current, {
        size: 'medium',
        services: { ...servicesNow({ imgproxy: false }), logs: true, functions: false },
      }),
    ).toEqual({ size: { profile: 'medium' }, optionalServices: { functions: false, logs: true } });
  });

  it('treats a project from before sizes as medium', () => {
    expect(changeFrom({}, { size: 'medium', services: servicesNow(undefined) })).toEqual({});
  });

  it('reads no refusal from another error or from one without numbers', () => {
    expect(memoryRefusal({ code: 'FORBIDDEN', data: { memoryFreeMb: 1 } })).toBeUndefined();
    expect(memoryRefusal({ code: 'INSUFFICIENT_RESOURCES', data: {} })).toBeUndefined();
  });
});
