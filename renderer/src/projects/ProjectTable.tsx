import {
  memo,
  useEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type Row,
  type Table,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ProjectView } from '@contract/api';
import { useApp } from '../app/store';
import { formatBytes, formatPercent, timeAgo } from '../i18n/format';
import { Badge, INSTANCE_TONE } from '../ui/Badge';
import { attentionRank, byAttention } from './fleet';
import { needsAttention } from '../backups/attention';
import { ReleaseCell } from '../upgrades/ReleaseCell';
import type { ServerReleases } from '../upgrades/releaseStatus';
import { useReleases } from '../upgrades/useReleases';
import { useFleetUsage, type ProjectUsage } from './fleetUsage';
import { TagChips, TagsDialog } from './TagsDialog';

const ROW_HEIGHT = 36;
/**
 * The sticky header's fixed height. The virtualiser counts it as the list's offset in the
 * scroller (scrollMargin), so arrow keys scroll the current row fully into view instead of
 * leaving it under the header or below the bottom edge.
 */
const HEADER_HEIGHT = 36;
/** How long the rows in view must stay put before their CPU and memory are read. */
const IN_VIEW_SETTLE_MS = 250;

/**
 * What cells read besides their project, current at every render of the table. A row
 * re-renders only when its own part of it changes (see TableRow), so scrolling renders just
 * the rows that come into view.
 */
interface FleetTableMeta {
  usage: Record<string, ProjectUsage>;
  selected: ReadonlySet<string>;
  releases: Record<string, ServerReleases | undefined>;
}

function metaOf(table: { options: { meta?: object } }): FleetTableMeta {
  return table.options.meta as FleetTableMeta;
}

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
  const serverIds = useMemo(() => [...new Set(projects.map((p) => p.serverId))], [projects]);
  const releases = useReleases(serverIds);
  const [inView, setInView] = useState<ProjectView[]>([]);
  const usage = useFleetUsage(api, inView);
  // The CPU and memory sort keys read usage through a ref: a new reading re-renders its cells,
  // not the column set (and does not re-sort rows under the cursor).
  const usageRef = useRef<Record<string, ProjectUsage>>(usage);
  usageRef.current = usage;
  const allKeys = useMemo(() => data.map(rowKey), [data]);
  const allOn = useMemo(
    () => allKeys.length > 0 && allKeys.every((k) => selected.has(k)),
    [allKeys, selected],
  );
  // The header's "select all" reads these at render; the column set does not depend on them.
  const selectAll = useRef({ allOn, allKeys });
  selectAll.current = { allOn, allKeys };

  const columns = useMemo<ColumnDef<ProjectView>[]>(
    () => [
      {
        id: 'select',
        enableSorting: false,
        header: () => (
          <input
            type="checkbox"
            aria-label={t('fleet.selectAll')}
            checked={selectAll.current.allOn}
            onChange={(e) => onSelect(selectAll.current.allKeys, e.target.checked)}
          />
        ),
        cell: ({ row, table }) => (
          <input
            type="checkbox"
            aria-label={t('fleet.selectRow', { name: row.original.name })}
            checked={metaOf(table).selected.has(row.id)}
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
        // No pulsing dot for busy states here (cards and the project page keep it): dozens of
        // animations in view cost ~3 ms of every scroll frame, and the label says it already.
        cell: ({ row }) => (
          <Badge
            tone={INSTANCE_TONE[row.original.status]}
            label={t(`status.${row.original.status}`)}
          />
        ),
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
          if (needsAttention(p))
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
        cell: ({ row, table }) => (
          <UsageCell value={metaOf(table).usage[row.id]?.cpuPercent} kind="cpu" t={t} />
        ),
      },
      {
        id: 'memory',
        header: t('fleet.columnsMore.memory'),
        accessorFn: (p) => usageRef.current[rowKey(p)]?.memoryBytes,
        sortUndefined: 'last',
        cell: ({ row, table }) => (
          <UsageCell value={metaOf(table).usage[row.id]?.memoryBytes} kind="memory" t={t} />
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
        cell: ({ row, table }) => (
          <ReleaseCell
            project={row.original}
            info={metaOf(table).releases[row.original.serverId]}
          />
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
    [t, navigate, onSelect, onPickTag],
  );

  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: rowKey,
    meta: { usage, selected, releases } satisfies FleetTableMeta,
  });
  const rows = table.getRowModel().rows;
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    // A fast wheel brings ~1 row a frame into view; 8 spare rows each side is plenty.
    overscan: 8,
  });
  const items = virtual.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? -1;
  // The rows in view are the ones whose CPU and memory are read (see fleetUsage.ts), once
  // scrolling pauses: reading (and re-rendering) on every scrolled row would cost frames.
  useEffect(() => {
    const timer = setTimeout(
      () => setInView(rows.slice(firstIndex, lastIndex + 1).map((r) => r.original)),
      IN_VIEW_SETTLE_MS,
    );
    return () => clearTimeout(timer);
  }, [rows, firstIndex, lastIndex]);
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
      {/* Rows are absolutely placed at their offset (the virtualiser's layout, see TableRow):
          mounting the row that scrolls into view moves no other row, so a scroll frame lays
          out and paints one row, not the whole table. Flex rows keep the table's semantics. */}
      <table className="grid w-full text-xs">
        <TableHead table={table} sorting={sorting} allOn={allOn} columns={columns} />
        <tbody className="relative grid" style={{ height: virtual.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <TableRow
                key={row.id}
                row={row}
                top={item.start - HEADER_HEIGHT}
                columns={columns}
                current={item.index === current}
                selected={selected.has(row.id)}
                usage={usage[row.id]}
                release={releases[row.original.serverId]}
              />
            );
          })}
        </tbody>
      </table>
      {tagging && <TagsDialog project={tagging} onClose={() => setTagging(null)} />}
    </div>
  );
}

/**
 * The column headers, rendered again only when the sort, the "select all" box or the columns
 * change: not on every scroll frame with the rows.
 */
const TableHead = memo(function TableHead({
  table,
}: {
  table: Table<ProjectView>;
  // Read through `table` when rendering; passed so that memo sees when they change.
  sorting: SortingState;
  allOn: boolean;
  columns: unknown;
}) {
  return (
    <thead className="sticky top-0 z-[1] grid bg-bg">
      {table.getHeaderGroups().map((group) => (
        <tr key={group.id} className="flex w-full" style={{ height: HEADER_HEIGHT }}>
          {group.headers.map((header) => {
            const sorted = header.column.getIsSorted();
            return (
              <th
                key={header.id}
                scope="col"
                aria-sort={
                  sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'
                }
                style={columnStyle(header.column.id)}
                className="flex items-center overflow-hidden border-b border-line pr-3 text-left font-medium text-muted"
              >
                {header.column.getCanSort() ? (
                  <button
                    type="button"
                    className="inline-flex min-w-0 items-center gap-1 hover:text-fg"
                    onClick={header.column.getToggleSortingHandler()}
                  >
                    <span className="truncate">
                      {flexRender(header.column.columnDef.header, header.getContext())}
                    </span>
                    <span aria-hidden>{sorted === 'asc' ? '↑' : sorted === 'desc' ? '↓' : ''}</span>
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
  );
});

const rowKey = (p: ProjectView) => `${p.serverId}/${p.id}`;

interface TableRowProps {
  row: Row<ProjectView>;
  /** The row's offset in the table body, px. */
  top: number;
  /** The column set: a new one (language change) renders every row again. */
  columns: unknown;
  current: boolean;
  selected: boolean;
  usage: ProjectUsage | undefined;
  release: ServerReleases | undefined;
}

/**
 * One project's row. Rendered again only when what it shows changed: its project (a new object
 * from the store), selection, cursor, CPU/memory reading, release info or the columns; the
 * TanStack row object itself is new whenever the list is, so it is compared by its project.
 */
const TableRow = memo(
  function TableRow({ row, top, current, selected }: TableRowProps) {
    return (
      <tr
        aria-current={current ? 'true' : undefined}
        data-testid="project-row"
        data-name={row.original.name}
        data-status={row.original.status}
        data-selected={selected ? 'true' : undefined}
        style={{ height: ROW_HEIGHT, transform: `translateY(${top}px)` }}
        className={`absolute left-0 top-0 flex w-full [contain:strict] ${current ? 'bg-raised' : 'hover:bg-raised'}`}
      >
        {row.getVisibleCells().map((cell) => (
          <td
            key={cell.id}
            style={columnStyle(cell.column.id)}
            className="flex items-center overflow-hidden border-b border-line pr-3"
          >
            <div className="min-w-0 truncate">
              {flexRender(cell.column.columnDef.cell, cell.getContext())}
            </div>
          </td>
        ))}
      </tr>
    );
  },
  (a, b) =>
    a.row.original === b.row.original &&
    a.row.id === b.row.id &&
    a.top === b.top &&
    a.columns === b.columns &&
    a.current === b.current &&
    a.selected === b.selected &&
    a.usage === b.usage &&
    a.release === b.release,
);

/** Narrow columns get a fixed width; the rest share what is left. */
function columnStyle(id: string): CSSProperties {
  const width = COLUMN_WIDTH[id];
  return width === undefined ? { flex: '1 1 0', minWidth: 0 } : { flex: `0 0 ${width}px` };
}

const COLUMN_WIDTH: Record<string, number | undefined> = {
  select: 32,
  tags: 200,
  status: 110,
  cpu: 72,
  memory: 88,
  exposure: 84,
};

/** `t` comes from the table: a translation hook in each of 60 cells costs first render. */
function UsageCell({
  value,
  kind,
  t,
}: {
  value: number | undefined;
  kind: 'cpu' | 'memory';
  t: TFunction;
}) {
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
