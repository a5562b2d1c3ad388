// Enter-to-output timing for the reports (e2e/bench-app.mjs, e2e/report-latency.mjs): a line typed in
// the terminal, timed inside the page. A report's figures, never a test's assertion.

/**
 * Times `line` `runs` times as typed, inside the page: Enter dispatched at t0; done in the DOM when a new
 * block of output is in and the open line is a prompt again; then the next animation frame (about when
 * it is painted). Returns `[{ dom, frame }]` in ms from t0.
 */
export function timeLine(page, line, runs) {
  return page.evaluate(
    async ({ line, runs }) => {
      const input = document.querySelector('[data-testid="lunacm-input"]');
      const output = document.querySelector('[data-testid="lunacm-output"]');
      const frame = () => new Promise((ok) => requestAnimationFrame(() => ok(performance.now())));
      const result = [];
      for (let i = 0; i < runs; i++) {
        input.value = line;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        // Done when a new block of whole lines is in (the echo, at least) and the open line after it is
        // a prompt again (the transcript is blocks of lines and an open line: web/src/transcript.rs).
        const lastBlock = () => output.querySelector(".transcript-tail")?.previousElementSibling;
        const before = lastBlock();
        const inDom = new Promise((ok) => {
          const observer = new MutationObserver(() => {
            const tail = output.querySelector(".transcript-tail")?.textContent ?? "";
            if (lastBlock() !== before && /(lunacm:>|->|: )\s*$/.test(tail)) {
              observer.disconnect();
              ok(performance.now());
            }
          });
          observer.observe(output, { childList: true, subtree: true, characterData: true });
        });
        const t0 = performance.now();
        input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
        const dom = await inDom;
        const painted = await frame();
        result.push({ dom: dom - t0, frame: painted - t0 });
        await frame();
      }
      return result;
    },
    { line, runs },
  );
}
