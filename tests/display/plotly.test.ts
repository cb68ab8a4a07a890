import { test } from "node:test";
import assert from "node:assert/strict";
import { toBundle } from "../../lib/display/protocol";
import { plotly, resetPlotlyInlining, PLOTLY_MIME } from "../../lib/display/plotly";

const figure = { data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }, { x: [1, 2], y: [3, 1] }], layout: { title: { text: "Counts </script>" } } };

test("plotly(): figure JSON, HTML drawing it, and a one-line description", () => {
  resetPlotlyInlining();
  const { data } = toBundle(plotly(figure));
  assert.deepEqual(Object.keys(data).sort(), [PLOTLY_MIME, "text/html", "text/plain"]);
  assert.deepEqual(data[PLOTLY_MIME], { data: figure.data, layout: figure.layout });
  assert.equal(data["text/plain"], 'Plotly figure, 2 traces (bar, scatter): "Counts </script>"');
  const html = data["text/html"] as string;
  assert.match(html, /Plotly\.newPlot\("nnlab-plotly-[0-9a-f]{16}", \[/);
  assert.ok(!html.includes("Counts </script>"), "figure text cannot close the script element");
});

test("plotly.js is inlined in the first figure only, unless asked again", () => {
  resetPlotlyInlining();
  const sizes = [plotly(figure), plotly(figure), plotly(figure, { inlineLibrary: true })]
    .map((f) => (toBundle(f).data["text/html"] as string));
  assert.ok(sizes[0]!.includes("plotly.js v4.1.2") && sizes[0]!.length > 4_000_000);
  assert.ok(!sizes[1]!.includes("plotly.js v4") && sizes[1]!.length < 2000);
  assert.ok(sizes[2]!.includes("plotly.js v4.1.2"));
});

test("plotly() names the expected figure shape", () => {
  assert.throws(() => plotly({ x: [1] } as never), { name: "DisplayError", message: /needs a figure \{ data: \[traces\.\.\.\]/ });
});
