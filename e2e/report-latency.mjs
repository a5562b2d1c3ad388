// Measures, in the browser, the time from pressing Enter on `slot list` to its output being in the page.
// Prints figures; asserts nothing. Usage: node e2e/report-latency.mjs [runs] (BASE_URL, or serves dist/).
import { openApp, setup } from "./lib/harness.mjs";

const runs = Number(process.argv[2] ?? 30);
const env = await setup();
try {
  const page = await openApp(env);
  // Everything is timed inside the page: the Enter keydown is dispatched at t0; a MutationObserver
  // notes when the transcript ends with the next prompt (in the DOM), and the next animation frame
  // after that (about when it is painted).
  const samples = await page.evaluate(async (runs) => {
    const input = document.querySelector('[data-testid="lunacm-input"]');
    const output = document.querySelector('[data-testid="lunacm-output"]');
    const frame = () => new Promise((ok) => requestAnimationFrame(() => ok(performance.now())));
    const result = [];
    for (let i = 0; i < runs; i++) {
      input.value = "slot list";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      const length = output.textContent.length;
      const inDom = new Promise((ok) => {
        const observer = new MutationObserver(() => {
          const text = output.textContent;
          if (text.length !== length && text.trimEnd().endsWith("lunacm:>")) {
            observer.disconnect();
            ok(performance.now());
          }
        });
        observer.observe(output, { childList: true, characterData: true, subtree: true });
      });
      const t0 = performance.now();
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
      const dom = await inDom;
      const painted = await frame();
      result.push({ dom: dom - t0, frame: painted - t0 });
      await frame();
    }
    return result;
  }, runs);

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
