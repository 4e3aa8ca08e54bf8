// Replicas per cluster over time, drawn with uPlot (small, canvas-based). Loaded lazily: only a
// service with an HPA pulls it in.
import { alignSeries, type ReplicaSeries } from '@portolan/core/scaling/history';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

// Distinguishable in light and dark themes (Okabe–Ito, which colour-blind readers can tell apart).
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#8c8c00', '#999999'];

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export default function ReplicaChart({
  title,
  series,
  now,
  windowMs,
}: {
  title: string;
  series: ReplicaSeries[];
  now: number;
  windowMs: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const { at, values } = alignSeries(series, now);
    const oldest = Math.min(now, ...series.flatMap((s) => s.points.map((p) => p.at)));
    const from = Math.max(now - windowMs, Math.min(oldest, now - 10 * 60_000));
    const fg = cssVar('--muted', '#56606e');
    const grid = cssVar('--line', '#d5dbe2');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const width = () => Math.max(260, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 180,
        scales: {
          // From the oldest point the server kept (at most the window), and at least ten minutes.
          x: { time: true, min: from / 1000, max: now / 1000 },
          y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
        },
        axes: [
          { ...axis, space: 80 },
          { ...axis, label: 'replicas', labelSize: 14 },
        ],
        legend: { live: false },
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.cluster,
            stroke: PALETTE[i % PALETTE.length]!,
            width: 2,
            paths: uPlot.paths.stepped?.({ align: 1 }),
            points: { show: false },
          })),
        ],
      },
      [at.map((t) => t / 1000), ...values] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, now, windowMs]);
  const summary = series
    .map(
      (s) =>
        `${s.cluster}: ${s.points.at(-1)?.current ?? '?'} now, ${s.points.length} change${s.points.length === 1 ? '' : 's'}`,
    )
    .join('; ');
  return (
    <figure className="replica-chart">
      <figcaption className="small muted">{title}</figcaption>
      <div ref={host} role="img" aria-label={`${title}. ${summary}`} />
    </figure>
  );
}
