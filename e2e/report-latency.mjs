// Measures, in the browser, the time from pressing Enter on `slot list` to its output being in the page.
// Prints figures; asserts nothing. Usage: node e2e/report-latency.mjs [runs] (BASE_URL, or serves dist/).
import { openApp, setup } from "./lib/harness.mjs";
import { timeLine } from "./lib/timing.mjs";

const runs = Number(process.argv[2] ?? 30);
const env = await setup();
try {
  const page = await openApp(env);
  const samples = await timeLine(page, "slot list", runs);

  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const median =
      sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return `median ${median.toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms, min ${sorted[0].toFixed(2)} ms, max ${sorted.at(-1).toFixed(2)} ms`;
  };
  console.log(`slot list, ${samples.length} runs, Enter to output in the DOM: ${stats(samples.map((s) => s.dom))}`);
  console.log(`slot list, ${samples.length} runs, Enter to the next frame:     ${stats(samples.map((s) => s.frame))}`);
  if (page.errors.length) console.log(`page errors: ${page.errors.join("; ")}`);
} finally {
  await env.close();
}
