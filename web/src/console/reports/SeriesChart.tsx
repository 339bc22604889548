import "uplot/dist/uPlot.min.css";
import uPlot from "uplot";
import { useEffect, useId, useRef } from "react";
import { periodLabel, seriesColumns, seriesSummary, type Granularity, type SeriesPoint } from "../../lib/reports";

const CHART_HEIGHT = 260;

/** A token of the stylesheet (uPlot draws on a canvas, which cannot read CSS variables itself). */
const token = (el: Element, name: string) => getComputedStyle(el).getPropertyValue(name).trim() || "#888";

/**
 * The overview's series as a uPlot line chart (loaded with the reports route only). The canvas is
 * hidden from assistive technology: the figure's caption says what it shows and the table below it
 * holds every value.
 */
export function SeriesChart({ series, granularity }: { series: readonly SeriesPoint[]; granularity: Granularity }) {
  const box = useRef<HTMLDivElement>(null);
  const captionId = useId();

  useEffect(() => {
    const el = box.current;
    if (!el || !series.length) return;
    const text = token(el, "--text");
    const grid = token(el, "--border");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const line = (label: string, colour: string) => ({ label, stroke: token(el, colour), width: 2, points: { show: series.length <= 62 } });
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: CHART_HEIGHT,
        // Periods are calendar dates: drawn in UTC, so no zone moves a day across midnight.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        scales: { x: { time: true } },
        axes: [axis, { ...axis, label: "Tickets" }],
        series: [
          { label: "Period", value: (_u, v) => (v === null ? "" : periodLabel(new Date(v * 1000).toISOString().slice(0, 10), granularity)) },
          line("Created", "--accent"),
          line("Solved", "--success"),
          line("SLA breaches", "--danger"),
        ],
      },
      seriesColumns(series),
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: CHART_HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, granularity]);

  return (
    <figure className="chart" aria-labelledby={captionId}>
      <div ref={box} className="chart-canvas" aria-hidden="true" data-testid="series-chart" />
      <figcaption id={captionId} className="muted small">
        {seriesSummary(series, granularity)} Every value is in the table below.
      </figcaption>
    </figure>
  );
}
