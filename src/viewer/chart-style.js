// The look shared by the viewer pages' plotly charts (the live page's chart, the replay page's
// graphs): a transparent dark theme, a horizontal legend, unified hover, time on the x axis.

/** An axis on the dark panels. */
export const AXIS = { gridcolor: "#262b35", zerolinecolor: "#323846", linecolor: "#323846", tickfont: { size: 10 }, automargin: true };

/** No modebar logo link, no external fetches (no mathjax, no topojson: plain scatter only). */
export const PLOT_CONFIG = { displaylogo: false, displayModeBar: false, scrollZoom: false, typesetMath: false };

/**
 * The layout common to every chart: callers add their y axes and shapes.
 * @param {{l: number, r: number, t: number, b: number}} margin
 */
export function chartLayout(margin) {
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "Inter, ui-sans-serif, system-ui, sans-serif", size: 10, color: "#9aa3b2" },
    margin,
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 10 }, bgcolor: "rgba(0,0,0,0)" },
    hovermode: "x unified",
    hoverlabel: { bgcolor: "#1d212a", bordercolor: "#323846", font: { color: "#e6e9ef" } },
    xaxis: { ...AXIS, title: { text: "t (s)", standoff: 4, font: { size: 10 } } },
  };
}
