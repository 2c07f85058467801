import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  /** a CSS colour */
  stroke: string;
  /**
   * which y axis the series belongs to (default "y"): series with different units get their own axis, the first on
   * the left, the second on the right, each labelled with its unit
   */
  scale?: string;
}

export interface ChartAxis {
  /** the scale name series refer to */
  scale: string;
  /** shown next to the axis, e.g. "°C" */
  label: string;
  format?: (v: number) => string;
  /** start the axis at zero (amounts, hashrates) rather than fit the data (temperatures) */
  fromZero?: boolean;
}

interface ChartProps {
  /** what the chart shows, read by screen readers with the latest value */
  label: string;
  summary: string;
  /** [x (unix seconds), ...one array per series] */
  data: [number[], ...(number | null)[][]];
  series: ChartSeries[];
  height?: number;
  /** the one y axis's format (charts with one unit) */
  formatValue?: (v: number) => string;
  /** charts with several units: one axis per scale */
  axes?: ChartAxis[];
  /** seconds of history the x axis spans, ending now (otherwise the data's own extent) */
  spanSeconds?: number;
  /** draw steps (a value holds until the next point), as running totals are */
  stepped?: boolean;
}

const grid = { stroke: 'rgba(128,128,128,0.2)' };
const ticks = { stroke: 'rgba(128,128,128,0.3)' };

/** uPlot in a React box: created once, fed new data in place so a 1 Hz update costs one setData. */
export function Chart({ label, summary, data, series, height = 180, formatValue, axes, spanSeconds, stepped }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // what uPlot's callbacks and a rebuild read: the props of the latest render, handed over after it (not during)
  const latest = useRef({ data, series, formatValue, axes, spanSeconds, stepped });
  useEffect(() => {
    latest.current = { data, series, formatValue, axes, spanSeconds, stepped };
  });
  const seriesKey = `${series.map((s) => `${s.label}:${s.scale ?? 'y'}`).join('|')}|${(axes ?? []).map((a) => a.label).join('|')}|${stepped ? 's' : ''}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { data, series, axes, stepped } = latest.current;
    const yAxes: ChartAxis[] = axes ?? [{ scale: 'y', label: '', fromZero: true }];
    const scales: uPlot.Scales = {
      x: {
        time: true,
        range: (_u, min, max): uPlot.Range.MinMax => {
          const span = latest.current.spanSeconds;
          if (span) {
            const now = Date.now() / 1000;
            return [now - span, now];
          }
          return min === max ? [min - 60, max + 1] : [min, max];
        },
      },
    };
    for (const axis of yAxes) {
      scales[axis.scale] = {
        range: (_u, min, max): uPlot.Range.MinMax => {
          if (axis.fromZero !== false) return [0, max > 0 ? max * 1.1 : 1];
          if (min === null || max === null || !Number.isFinite(min)) return [0, 1];
          const pad = Math.max(1, (max - min) * 0.15);
          return [Math.floor(min - pad), Math.ceil(max + pad)];
        },
      };
    }
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales,
      axes: [
        { stroke: 'currentColor', grid, ticks },
        ...yAxes.map((axis, i): uPlot.Axis => ({
          scale: axis.scale,
          side: i === 0 ? 3 : 1,
          stroke: 'currentColor',
          grid: i === 0 ? grid : { show: false },
          ticks,
          size: 70,
          ...(axis.label ? { label: axis.label, labelSize: 18 } : {}),
          values: (_u, splits) => splits.map((v) => (axis.format ?? latest.current.formatValue ?? String)(v)),
        })),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          spanGaps: true,
          scale: s.scale ?? yAxes[0]!.scale,
          ...(stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
    };
    const created = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = created;
    const resize = new ResizeObserver(() => created.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // the plot is rebuilt only when its series (seriesKey) or height change; data flows through setData below
  }, [seriesKey, height]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data, spanSeconds]);

  return (
    <figure className="chart">
      <figcaption>{label}</figcaption>
      <div ref={box} role="img" aria-label={`${label}: ${summary}`} />
    </figure>
  );
}
