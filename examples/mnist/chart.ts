// The training chart: loss per step (left) and test accuracy per epoch (right), one line per mode,
// averaged over the seeds. Written as SVG by hand (no plotting library) and rasterised to PNG with
// @resvg/resvg-js, which ships its renderer as a prebuilt npm package.
import { createRequire } from "node:module";

export interface ChartSeries {
  /** The legend label, e.g. "fp8". */
  label: string;
  /** Training loss per step. */
  losses: number[];
  /** Test accuracy (0…1) after each epoch. */
  testAccuracy: number[];
  /** Steps per epoch (where the epoch marks go on the loss axis). */
  stepsPerEpoch: number;
}

const COLORS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b"];
const WIDTH = 960;
const HEIGHT = 420;
const PANEL = { top: 50, bottom: 60, left: 70, right: 20, gap: 80 };
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** Moving average over a centred window (the loss of single batches is noisy). */
export function smooth(values: number[], window: number): number[] {
  const half = Math.floor(window / 2);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, i + half + 1);
    let s = 0;
    for (let j = lo; j < hi; j++) s += values[j]!;
    return s / (hi - lo);
  });
}

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : v.toPrecision(3).replace(/\.?0+$/, ""));

interface Panel {
  x0: number;
  y0: number;
  w: number;
  h: number;
  xr: [number, number];
  yr: [number, number];
}

function axes(p: Panel, title: string, xLabel: string, yLabel: string, yFormat: (v: number) => string): string[] {
  const sx = (v: number) => p.x0 + ((v - p.xr[0]) / (p.xr[1] - p.xr[0] || 1)) * p.w;
  const sy = (v: number) => p.y0 + p.h - ((v - p.yr[0]) / (p.yr[1] - p.yr[0] || 1)) * p.h;
  const out = [`<rect x="${p.x0}" y="${p.y0}" width="${p.w}" height="${p.h}" fill="none" stroke="#888"/>`];
  for (const t of ticks(p.yr[0], p.yr[1])) {
    out.push(`<line x1="${p.x0}" x2="${p.x0 + p.w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${p.x0 - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="12">${esc(yFormat(t))}</text>`);
  }
  for (const t of ticks(p.xr[0], p.xr[1], 6)) {
    out.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${p.y0 + p.h}" y2="${p.y0 + p.h + 4}" stroke="#888"/>`);
    out.push(`<text x="${sx(t).toFixed(1)}" y="${p.y0 + p.h + 18}" text-anchor="middle" font-size="12">${esc(fmt(t))}</text>`);
  }
  out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 - 12}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 + p.h + 40}" text-anchor="middle" font-size="13">${esc(xLabel)}</text>`);
  const cy = p.y0 + p.h / 2;
  out.push(`<text x="${p.x0 - 52}" y="${cy}" text-anchor="middle" font-size="13" transform="rotate(-90 ${p.x0 - 52} ${cy})">${esc(yLabel)}</text>`);
  return out;
}

function polyline(p: Panel, xs: number[], ys: number[], color: string, marks: boolean): string[] {
  const sx = (v: number) => p.x0 + ((v - p.xr[0]) / (p.xr[1] - p.xr[0] || 1)) * p.w;
  const sy = (v: number) => p.y0 + p.h - ((Math.min(Math.max(v, p.yr[0]), p.yr[1]) - p.yr[0]) / (p.yr[1] - p.yr[0] || 1)) * p.h;
  const pts = xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]!).toFixed(1)}`);
  const out = [`<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`];
  if (marks) for (const pt of pts) out.push(`<circle cx="${pt.split(",")[0]}" cy="${pt.split(",")[1]}" r="3.5" fill="${color}"/>`);
  return out;
}

/** The chart as an SVG document. */
export function renderChart(series: ChartSeries[], title: string): string {
  const w = (WIDTH - PANEL.left * 2 - PANEL.right - PANEL.gap) / 2;
  const h = HEIGHT - PANEL.top - PANEL.bottom;
  const steps = Math.max(1, ...series.map((s) => s.losses.length));
  const window = Math.max(1, Math.round(steps / 40));
  const smoothed = series.map((s) => smooth(s.losses, window));
  const allLoss = smoothed.flat().filter(Number.isFinite);
  const lossHi = allLoss.length ? Math.max(...allLoss) : 1;
  const lossLo = allLoss.length ? Math.min(0, Math.min(...allLoss)) : 0;
  const epochs = Math.max(1, ...series.map((s) => s.testAccuracy.length));
  const accs = series.flatMap((s) => s.testAccuracy).filter(Number.isFinite);
  const accLo = accs.length ? Math.max(0, Math.floor(Math.min(...accs) * 50) / 50 - 0.02) : 0;
  const left: Panel = { x0: PANEL.left, y0: PANEL.top, w, h, xr: [0, steps], yr: [lossLo, lossHi * 1.05] };
  const right: Panel = { x0: PANEL.left * 2 + w + PANEL.gap, y0: PANEL.top, w, h, xr: [epochs > 1 ? 1 : 0, epochs], yr: [accLo, 1] };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT + 30}" viewBox="0 0 ${WIDTH} ${HEIGHT + 30}" font-family="${FONT}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16">${esc(title)}</text>`,
    ...axes(left, `training loss (moving average over ${window} step${window > 1 ? "s" : ""})`, "step", "cross-entropy", fmt),
    ...axes(right, "test accuracy", "epoch", "accuracy (%)", (v) => fmt(Number((v * 100).toPrecision(4)))),
  ];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    out.push(...polyline(left, s.losses.map((_, j) => j + 1), smoothed[i]!, color, false));
    out.push(...polyline(right, s.testAccuracy.map((_, j) => j + 1), s.testAccuracy, color, true));
    const lx = PANEL.left + i * 280;
    const ly = HEIGHT + 14;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" font-size="13">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** PNG bytes of an SVG document (system fonts for the text). */
export function svgToPng(svg: string): Uint8Array {
  const require = createRequire(import.meta.url);
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const r = new Resvg(svg, { background: "white", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } });
  return r.render().asPng();
}
