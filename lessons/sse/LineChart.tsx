import ui from '../../components/lab/widget.module.css';
import styles from './widgets.module.css';

export interface Series {
  name: string;
  color: string;
  /** [x, y] points, x ascending. */
  points: readonly (readonly [number, number])[];
}

/**
 * A small SVG line chart: enough to see a buffer grow or delays spread,
 * without a charting library. Optional horizontal marker (e.g. a bound).
 */
export function LineChart({
  series,
  label,
  yUnit,
  marker,
  testId,
}: {
  series: readonly Series[];
  label: string;
  yUnit: string;
  marker?: { y: number; label: string };
  testId?: string;
}) {
  const all = series.flatMap((s) => s.points);
  const xMin = Math.min(...all.map((p) => p[0]), 0);
  const xMax = Math.max(...all.map((p) => p[0]), xMin + 1);
  const yMax = Math.max(...all.map((p) => p[1]), marker?.y ?? 0, 1) * 1.1;
  const x = (v: number) => ((v - xMin) / (xMax - xMin)) * 100;
  const y = (v: number) => 100 - (v / yMax) * 100;
  return (
    <figure style={{ margin: 0 }} data-testid={testId}>
      <svg className={styles.chart} viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label={label}>
        {marker && <line x1="0" x2="100" y1={y(marker.y)} y2={y(marker.y)} />}
        {series.map((s) => (
          <polyline key={s.name} stroke={s.color} points={s.points.map(([px, py]) => `${x(px)},${y(py)}`).join(' ')} />
        ))}
      </svg>
      <figcaption className={ui.muted}>
        {label} (max {Math.round(yMax / 1.1).toLocaleString('en')} {yUnit})
        {series.length > 1 && (
          <>
            {' — '}
            {series.map((s) => (
              <span key={s.name} style={{ color: s.color, marginRight: '0.75rem' }}>
                ● {s.name}
              </span>
            ))}
          </>
        )}
        {marker && <span> — dashed: {marker.label}</span>}
      </figcaption>
    </figure>
  );
}
