import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  /** a CSS colour */
  stroke: string;
}

interface ChartProps {
  /** what the chart shows, read by screen readers with the latest value */
  label: string;
  summary: string;
  /** [x (unix seconds), ...one array per series] */
  data: [number[], ...(number | null)[][]];
  series: ChartSeries[];
  height?: number;
  formatValue?: (v: number) => string;
  /** seconds of history the x axis spans, ending now (otherwise the data's own extent) */
  spanSeconds?: number;
}

/** uPlot in a React box: created once, fed new data in place so a 1 Hz update costs one setData. */
export function Chart({ label, summary, data, series, height = 180, formatValue, spanSeconds }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const format = useRef(formatValue);
  format.current = formatValue;
  const span = useRef(spanSeconds);
  span.current = spanSeconds;
  const seriesKey = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          range: (_u, min, max): uPlot.Range.MinMax => {
            if (span.current) {
              const now = Date.now() / 1000;
              return [now - span.current, now];
            }
            return min === max ? [min - 60, max + 1] : [min, max];
          },
        },
        y: { range: (_u, min, max): uPlot.Range.MinMax => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } },
        {
          stroke: 'currentColor',
          grid: { stroke: 'rgba(128,128,128,0.2)' },
          ticks: { stroke: 'rgba(128,128,128,0.3)' },
          size: 70,
          values: (_u, splits) => splits.map((v) => (format.current ? format.current(v) : String(v))),
        },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: true }))],
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
    // the plot is rebuilt only when its series change; data flows through setData below
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
