// The delivery charts, drawn by uPlot. This module is loaded when a page first shows a chart, so
// the charting library costs nothing to pages without one.
import type { WeekFigures } from '@portolan/core/deploy/metrics';
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const HEIGHT = 170;
const HOUR = 3600;

interface ChartSpec {
  id: string;
  title: string;
  kind: 'bars' | 'line';
  /** One value per week; null where the week has no sample. */
  values: (number | null)[];
  unit: string;
  digits: number;
}

/** Four charts of weekly figures: deployments, change fail rate, lead time, recovery time. */
export default function DeliveryCharts({ weeks }: { weeks: WeekFigures[] }) {
  const xs = useMemo(() => weeks.map((w) => Date.parse(w.week) / 1000), [weeks]);
  const charts = useMemo(() => specs(weeks), [weeks]);
  return (
    <div className="charts">
      {charts.map((c) => (
        <WeeklyChart key={c.id} xs={xs} weeks={weeks} spec={c} />
      ))}
    </div>
  );
}

function specs(weeks: WeekFigures[]): ChartSpec[] {
  const hours = (s: number | null) => (s === null ? null : s / HOUR);
  return [
    {
      id: 'deployments',
      title: 'Completed deployments per week',
      kind: 'bars',
      values: weeks.map((w) => w.deployments),
      unit: '',
      digits: 0,
    },
    {
      id: 'change-fail-rate',
      title: 'Change fail rate (%)',
      kind: 'line',
      values: weeks.map((w) => (w.changeFailRate === null ? null : w.changeFailRate * 100)),
      unit: '%',
      digits: 0,
    },
    {
      id: 'lead-time',
      title: 'Change lead time, median (hours)',
      kind: 'line',
      values: weeks.map((w) => hours(w.leadTime.medianSeconds)),
      unit: ' h',
      digits: 1,
    },
    {
      id: 'recovery-time',
      title: 'Failed deployment recovery time, median (hours)',
      kind: 'line',
      values: weeks.map((w) => hours(w.recoveryTime.medianSeconds)),
      unit: ' h',
      digits: 1,
    },
  ];
}

function WeeklyChart({ xs, weeks, spec }: { xs: number[]; weeks: WeekFigures[]; spec: ChartSpec }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const color = (name: string) => css.getPropertyValue(name).trim() || 'currentColor';
    const axis = { stroke: color('--muted'), grid: { stroke: color('--line'), width: 1 } };
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 240),
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, 1) * 1.1] } },
        axes: [
          axis,
          { ...axis, size: 44, values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(spec.digits)}`) },
        ],
        series: [
          {},
          {
            label: spec.title,
            stroke: color('--accent'),
            width: 2,
            ...(spec.kind === 'bars'
              ? { fill: color('--info-bg'), paths: uPlot.paths.bars?.({ size: [0.7, 40] }) }
              : { points: { show: true, size: 5 }, spanGaps: false }),
          },
        ],
      },
      [xs, spec.values],
      el,
    );
    // Follow the column's width (a narrow screen, a resized window).
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(el.clientWidth, 240), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [xs, spec]);
  // The numbers in words, for those who do not see the canvas.
  const described = weeks
    .map((w, i) => {
      const v = spec.values[i];
      return `week of ${w.week.slice(0, 10)}: ${v === null || v === undefined ? 'none' : `${+v.toFixed(spec.digits)}${spec.unit}`}`;
    })
    .join('; ');
  return (
    <figure className="chart" data-chart={spec.id}>
      <figcaption>{spec.title}</figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${spec.title}. ${described}`} />
    </figure>
  );
}
