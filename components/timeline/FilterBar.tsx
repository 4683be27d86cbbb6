import { memo, useEffect, useState } from 'react';
import { KINDS, ORIGINS, PROTOCOLS } from '../../lib/timeline';
import { useLab, useTimeline } from '../lab/LabProvider';
import { hasActiveFilters } from './filter';
import type { TimelineFilters } from './store';
import styles from './timeline.module.css';

/** Typing is applied after this pause, so a 100,000-event rescan runs once per word, not per key. */
const SEARCH_DEBOUNCE_MS = 150;

type ChipGroup = 'protocol' | 'origin' | 'kind';
const GROUP_KEY = { protocol: 'protocols', origin: 'origins', kind: 'kinds' } as const satisfies Record<
  ChipGroup,
  keyof TimelineFilters
>;

function Chips<T extends string>({ group, label, values }: { group: ChipGroup; label: string; values: readonly T[] }) {
  const { store } = useLab();
  const selected = useTimeline((s) => s.filters[GROUP_KEY[group]]) as ReadonlySet<T>;
  const toggle = (value: T) => {
    const next = new Set(selected);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    store.getState().setFilters({ [GROUP_KEY[group]]: next });
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form fieldset
    <div className={styles.chipGroup} role="group" aria-label={`Filter by ${group}`}>
      <span className={styles.chipGroupLabel}>{label}</span>
      <span className={styles.chips}>
        {values.map((value) => (
          <button
            key={value}
            type="button"
            className={styles.chip}
            data-testid={`filter-${group}-${value}`}
            aria-pressed={selected.has(value)}
            onClick={() => toggle(value)}
          >
            {value}
          </button>
        ))}
      </span>
    </div>
  );
}

/** Search box and filter chips (an empty group means "all"). */
export const FilterBar = memo(function FilterBar() {
  const { store } = useLab();
  const filters = useTimeline((s) => s.filters);
  const [text, setText] = useState(filters.text);
  const [expanded, setExpanded] = useState(true);

  useEffect(() => {
    if (text === store.getState().filters.text) return;
    const timer = setTimeout(() => store.getState().setFilters({ text }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, store]);

  const active = hasActiveFilters(filters);
  const reset = () => {
    setText('');
    store.getState().setFilters({ protocols: new Set(), origins: new Set(), kinds: new Set(), text: '' });
  };

  return (
    <div className={styles.filters}>
      <div className={styles.searchRow}>
        <input
          className={styles.search}
          type="search"
          placeholder="Search summary, conn, URL, SQL…"
          aria-label="Search the timeline"
          data-testid="timeline-search"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <button type="button" className={styles.button} aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          Filters {expanded ? '▴' : '▾'}
        </button>
        <button type="button" className={styles.button} data-testid="timeline-filter-reset" disabled={!active} onClick={reset}>
          Reset
        </button>
      </div>
      {expanded && (
        <>
          <Chips group="origin" label="origin" values={ORIGINS} />
          <Chips group="protocol" label="protocol" values={PROTOCOLS} />
          <Chips group="kind" label="kind" values={KINDS} />
        </>
      )}
    </div>
  );
});
