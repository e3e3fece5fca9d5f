import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ProjectView } from '@contract/api';
import { useApp } from '../app/store';
import { formatBytes, formatPercent, timeAgo } from '../i18n/format';
import { StatusBadge } from '../ui/Badge';
import { attentionRank, byAttention } from './fleet';
import { ReleaseCell } from '../upgrades/ReleaseCell';
import { useReleases } from '../upgrades/useReleases';
import { useFleetUsage, type ProjectUsage } from './fleetUsage';
import { TagChips, TagsDialog } from './TagsDialog';

const ROW_HEIGHT = 36;

/** Services up / services known, or null before the agent reported them. */
function serviceHealth(p: ProjectView): { up: number; total: number } | null {
  if (!p.services || p.services.length === 0) return null;
  const up = p.services.filter((s) => s.state === 'running' && s.health !== 'unhealthy').length;
  return { up, total: p.services.length };
}

/**
 * The fleet as a dense table: one 36-px row per project, sortable on every column, "needs
 * attention first" until the person sorts, and virtualised (only the rows in view are in the
 * DOM), so 500 projects scroll like 10.
 */
export function ProjectTable({
  projects,
  selected,
  onSelect,
  onPickTag,
}: {
  projects: ProjectView[];
  /** Keys `serverId/instanceId` of the rows ticked for a bulk action. */
  selected: ReadonlySet<string>;
  onSelect(keys: string[], on: boolean): void;
  onPickTag(tag: string): void;
}) {
  const { t } = useTranslation();
  const navigate = useApp((s) => s.navigate);
  const api = useApp((s) => s.api);
  const [sorting, setSorting] = useState<SortingState>([]);
  const [active, setActive] = useState(0);
  const [tagging, setTagging] = useState<ProjectView | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const data = useMemo(() => [...projects].sort(byAttention), [projects]);
  const releases = useReleases(projects.map((p) => p.serverId));
  const [inView, setInView] = useState<ProjectView[]>([]);
  const usage = useFleetUsage(api, inView);
  // Columns read usage through a ref, so a new reading re-renders cells, not the column set.
  const usageRef = useRef<Record<string, ProjectUsage>>(usage);
  usageRef.current = usage;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const allKeys = useMemo(() => data.map(rowKey), [data]);
  const allOn = allKeys.length > 0 && allKeys.every((k) => selected.has(k));

  const columns = useMemo<ColumnDef<ProjectView>[]>(
    () => [
      {
        id: 'select',
        enableSorting: false,
        header: () => (
          <input
            type="checkbox"
            aria-label={t('fleet.selectAll')}
            checked={allOn}
            onChange={(e) => onSelect(allKeys, e.target.checked)}
          />
        ),
        cell: ({ row }) => (
          <input
            type="checkbox"
            aria-label={t('fleet.selectRow', { name: row.original.name })}
            checked={selectedRef.current.has(row.id)}
            onChange={(e) => onSelect([row.id], e.target.checked)}
          />
        ),
      },
      {
        id: 'name',
        header: t('fleet.columns.name'),
        accessorFn: (p) => p.name,
        cell: ({ row }) => (
          <button
            type="button"
            className="truncate text-left font-medium hover:underline"
            onClick={() =>
              navigate({
                kind: 'project',
                serverId: row.original.serverId,
                instanceId: row.original.id,
              })
            }
          >
            {row.original.name}
          </button>
        ),
      },
      {
        id: 'tags',
        header: t('fleet.columnsMore.tags'),
        accessorFn: (p) => p.tags?.join(' ') ?? '',
        cell: ({ row }) => (
          <span className="flex min-w-0 items-center gap-1">
            <TagChips tags={row.original.tags} onPick={onPickTag} />
            <button
              type="button"
              aria-label={`${t('fleet.tags.edit')}: ${row.original.name}`}
              title={t('fleet.tags.edit')}
              onClick={() => setTagging(row.original)}
              className="rounded px-1 text-muted hover:text-fg"
            >
              ✎
            </button>
          </span>
        ),
      },
      {
        id: 'server',
        header: t('fleet.columns.server'),
        accessorFn: (p) => p.serverName,
      },
      {
        id: 'status',
        header: t('fleet.columns.status'),
        accessorFn: (p) => attentionRank(p),
        cell: ({ row }) => <StatusBadge status={row.original.status} />,
      },
      {
        id: 'health',
        header: t('fleet.columns.health'),
        accessorFn: (p) => {
          const h = serviceHealth(p);
          return h ? h.up / h.total : -1;
        },
        cell: ({ row }) => {
          const p = row.original;
          if (p.needsAttention)
            return <span className="text-warn">{t('fleet.needsAttention')}</span>;
          const h = serviceHealth(p);
          if (!h) return <span className="text-muted">{t('common.none')}</span>;
          return (
            <span className={h.up < h.total ? 'text-danger' : 'text-muted'}>
              {t('fleet.servicesUp', { up: h.up, total: h.total })}
            </span>
          );
        },
      },
      {
        id: 'cpu',
        header: t('fleet.columnsMore.cpu'),
        // Unread rows sort after every reading, whichever the direction.
        accessorFn: (p) => usageRef.current[rowKey(p)]?.cpuPercent,
        sortUndefined: 'last',
        cell: ({ row }) => <UsageCell value={usageRef.current[row.id]?.cpuPercent} kind="cpu" />,
      },
      {
        id: 'memory',
        header: t('fleet.columnsMore.memory'),
        accessorFn: (p) => usageRef.current[rowKey(p)]?.memoryBytes,
        sortUndefined: 'last',
        cell: ({ row }) => (
          <UsageCell value={usageRef.current[row.id]?.memoryBytes} kind="memory" />
        ),
      },
      {
        id: 'exposure',
        header: t('fleet.columns.exposure'),
        accessorFn: (p) => p.exposure,
        cell: ({ row }) => t(`exposure.${row.original.exposure}`),
      },
      {
        id: 'release',
        header: t('upgrades.columnRelease'),
        accessorFn: (p) => p.release ?? '',
        cell: ({ row }) => (
          <ReleaseCell project={row.original} info={releases[row.original.serverId]} />
        ),
      },
      {
        id: 'owner',
        header: t('fleet.columns.owner'),
        accessorFn: (p) => p.owner,
      },
      {
        id: 'age',
        header: t('fleet.columns.age'),
        // Older first when ascending reads oddly; newest first is the useful default.
        accessorFn: (p) => -Date.parse(p.createdAt),
        cell: ({ row }) => (
          <time dateTime={row.original.createdAt} className="text-muted">
            {timeAgo(row.original.createdAt)}
          </time>
        ),
      },
    ],
    [t, navigate, releases, allOn, allKeys, onSelect, onPickTag],
  );

  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: rowKey,
  });
  const rows = table.getRowModel().rows;
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? -1;
  // The rows in view are the ones whose CPU and memory are read (see fleetUsage.ts).
  useEffect(() => {
    setInView(rows.slice(firstIndex, lastIndex + 1).map((r) => r.original));
  }, [rows, firstIndex, lastIndex]);
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const width = table.getVisibleLeafColumns().length;
  const current = Math.min(active, rows.length - 1);

  // Arrows move through the rows, Enter opens the project, Space ticks it (focus the table
  // first: click or Tab).
  function onKeyDown(e: KeyboardEvent) {
    if (e.target !== e.currentTarget || rows.length === 0) return;
    const step = (
      { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 } as Record<string, number>
    )[e.key];
    if (step !== undefined) {
      e.preventDefault();
      const next = Math.max(0, Math.min(rows.length - 1, current + step));
      setActive(next);
      virtual.scrollToIndex(next);
    } else if (e.key === 'Enter') {
      const p = rows[current]?.original;
      if (p) navigate({ kind: 'project', serverId: p.serverId, instanceId: p.id });
    } else if (e.key === ' ') {
      e.preventDefault();
      const row = rows[current];
      if (row) onSelect([row.id], !selected.has(row.id));
    }
  }

  return (
    <div
      ref={scroller}
      tabIndex={0}
      role="region"
      aria-label={t('fleet.tableLabel')}
      onKeyDown={onKeyDown}
      className="min-h-0 flex-1 overflow-auto px-6 pb-6"
      data-testid="project-table"
    >
      <table className="w-full table-fixed border-separate border-spacing-0 text-xs">
        <thead className="sticky top-0 z-[1] bg-bg">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={
                      sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'
                    }
                    style={{ width: COLUMN_WIDTH[header.column.id] }}
                    className="border-b border-line py-2 pr-3 text-left font-medium text-muted"
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        className="inline-flex items-center gap-1 hover:text-fg"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden>
                          {sorted === 'asc' ? '↑' : sorted === 'desc' ? '↓' : ''}
                        </span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 && (
            <tr aria-hidden style={{ height: padTop }}>
              <td colSpan={width} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <tr
                key={row.id}
                aria-current={item.index === current ? 'true' : undefined}
                data-testid="project-row"
                data-name={row.original.name}
                data-status={row.original.status}
                data-selected={selected.has(row.id) ? 'true' : undefined}
                style={{ height: ROW_HEIGHT }}
                className={item.index === current ? 'bg-raised' : 'hover:bg-raised'}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className="truncate border-b border-line pr-3">
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr aria-hidden style={{ height: padBottom }}>
              <td colSpan={width} />
            </tr>
          )}
        </tbody>
      </table>
      {tagging && <TagsDialog project={tagging} onClose={() => setTagging(null)} />}
    </div>
  );
}

const rowKey = (p: ProjectView) => `${p.serverId}/${p.id}`;

/** Narrow columns get a fixed width; the rest share what is left. */
const COLUMN_WIDTH: Record<string, number | undefined> = {
  select: 32,
  tags: 200,
  status: 110,
  cpu: 72,
  memory: 88,
  exposure: 84,
};

function UsageCell({ value, kind }: { value: number | undefined; kind: 'cpu' | 'memory' }) {
  const { t } = useTranslation();
  if (value === undefined || Number.isNaN(value))
    return (
      <span className="text-muted" title={t('fleet.usageUnknown')}>
        {t('common.none')}
      </span>
    );
  return (
    <span className="font-mono">{kind === 'cpu' ? formatPercent(value) : formatBytes(value)}</span>
  );
}
