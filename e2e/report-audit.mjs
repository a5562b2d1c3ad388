// Audit logging figures in the browser: records appended per second through terminal lines, records
// verified per second by `audit verify`, and Enter-to-output for a few lines once the world holds many
// records (saved as it grows, as a user's world is). Prints figures; asserts nothing.
// Usage: node e2e/report-audit.mjs [records] (BASE_URL, or serves dist/). Default 20000 records.
import { openApp, recoverFromStm, run, setup } from "./lib/harness.mjs";

const target = Number(process.argv[2] ?? 20000);
const env = await setup();
try {
  const page = await openApp(env);
  await recoverFromStm(page);
  for (const line of [
    "role init -name au -password audpass1",
    "role login -name au -password audpass1",
    "role setdomain -name au -domain auditdomain1",
    "audit config path /var/audit evmask all force",
  ]) {
    await run(page, line);
  }

  // Lines typed and answered inside the page: Enter, then the transcript ends with the next prompt.
  const timeLines = (line, count) => timeLinesIn(page, line, count);
  const timeLinesIn = (page, line, count) =>
    page.evaluate(
      async ({ line, count }) => {
        const input = document.querySelector('[data-testid="lunacm-input"]');
        const output = document.querySelector('[data-testid="lunacm-output"]');
        const times = [];
        for (let i = 0; i < count; i++) {
          input.value = line;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          // Done when output that ends with the prompt is added (the scrollback may drop as much as it
          // adds, so the transcript's length is no sign).
          const done = new Promise((ok) => {
            const observer = new MutationObserver((mutations) => {
              const added = mutations.flatMap((m) => [...m.addedNodes]);
              if (added.some((n) => n.textContent.trimEnd().endsWith("lunacm:>"))) {
                observer.disconnect();
                ok(performance.now());
              }
            });
            observer.observe(output, { childList: true, subtree: true });
          });
          const t0 = performance.now();
          input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
          times.push((await done) - t0);
          // Let the page breathe: saving and redrawing happen between lines, as between a user's.
          if (i % 50 === 49) await new Promise((ok) => setTimeout(ok, 0));
        }
        return times;
      },
      { line, count },
    );
  const lastRecord = async () => {
    const out = await run(page, "audit status");
    return Number(/Last Record ->\s+(\d+)/.exec(out)?.[1] ?? 0);
  };
  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${sorted.at(-1).toFixed(2)} ms`;
  };

  // Appending: each `audit logmsg` logs the configuration read LunaCM makes and the message.
  const first = await lastRecord();
  const started = Date.now();
  let lines = 0;
  const perLine = [];
  while ((await lastRecord()) < target) {
    perLine.push(...(await timeLines('audit logmsg message "report"', 500)));
    lines += 500;
  }
  const seconds = (Date.now() - started) / 1000;
  const appended = (await lastRecord()) - first;
  console.log(
    `appended ${appended} records with ${lines} lines in ${seconds.toFixed(1)} s: ${(appended / seconds).toFixed(0)} records/s; per line ${stats(perLine)}`,
  );

  // Verifying one full file.
  const list = await run(page, "audit export list");
  const name = /(\/var\/audit\/hsm_\S+_00000001\.log)/.exec(list)?.[1];
  if (name) {
    const [ms] = await timeLines(`audit verify file ${name}`, 1);
    const out = await run(page, `audit verify file ${name}`);
    const [, a, b] = /Verified messages (\d+) to (\d+)/.exec(out) ?? [0, 0, 0];
    const records = Number(b) - Number(a) + 1;
    console.log(`verified ${records} records (${name}) in ${ms.toFixed(1)} ms: ${((records / ms) * 1000).toFixed(0)} records/s`);
  }

  // Lines in the big world, in a tab opened on it now: its transcript is short, as a user's is after a
  // reload, so what is timed is the world's size, not the scrollback's (this tab has thousands of lines).
  const records = await lastRecord();
  const fresh = await page.context().newPage();
  const opened = Date.now();
  await fresh.goto(env.url);
  await fresh.waitForFunction(() =>
    document.querySelector('[data-testid="lunacm-output"]')?.textContent.trimEnd().endsWith("lunacm:>"),
  );
  console.log(`a new tab opened the world with ${records} records in ${Date.now() - opened} ms`);
  const inFresh = (line, count) => timeLinesIn(fresh, line, count);
  for (const line of ["slot list", "hsm showinfo", "audit status", 'audit logmsg message "one more"']) {
    console.log(`${line} with ${records} records in the world, 30 runs: ${stats(await inFresh(line, 30))}`);
  }
  const stored = await page.evaluate(() => localStorage.getItem("luna-usb-hsm7-sim/world")?.length ?? 0);
  console.log(`localStorage world: ${stored} characters (the files are kept apart, in IndexedDB)`);
  if (page.errors.length) console.log(`page errors: ${page.errors.join("; ")}`);
} finally {
  await env.close();
}
