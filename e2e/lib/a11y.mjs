// Accessibility checks for the specs: axe-core run in the page, and what a keyboard user sees of focus.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** The impacts a view must have none of. */
export const BLOCKING = ["serious", "critical"];

/**
 * Runs axe-core on `target` (a page or a frame; axe is injected once per document) with the WCAG 2.x A and
 * AA rules and the best practices, and returns the serious and critical violations, each as
 * `{ id, impact, help, targets }`.
 */
export async function axeViolations(target) {
  if (!(await target.evaluate(() => typeof window.axe === "object"))) {
    await target.evaluate(await AXE_SOURCE);
  }
  const violations = await target.evaluate(async () => {
    const results = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, " ")})` : ""}`),
    }));
  });
  return violations.filter((v) => BLOCKING.includes(v.impact));
}

/** A violation list as text for a failure message: id, impact, help and each target. */
export function describeViolations(violations) {
  return violations
    .map((v) => `${v.id} [${v.impact}] ${v.help}\n${v.targets.map((t) => `    ${t}`).join("\n")}`)
    .join("\n");
}

/**
 * The element that has the keyboard, described for assertions: its test id, the test id of the nearest
 * element around it that has one, tag, role, name, and the dialog it is in.
 */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return {
      testid: el.dataset.testid ?? null,
      within: el.parentElement?.closest("[data-testid]")?.dataset.testid ?? null,
      tag: el.tagName.toLowerCase(),
      role: el.getAttribute("role"),
      label: el.getAttribute("aria-label") ?? el.textContent.trim().slice(0, 60),
      inDialog: el.closest('[role="dialog"], [role="alertdialog"]')?.dataset.testid ?? null,
    };
  });
}

/**
 * Moves the keyboard to the first element matching `selector` with Tab, or with Shift+Tab when it comes
 * before the element that has the keyboard now, as a keyboard user does; at most `limit` presses. Returns
 * what has the keyboard then. Throws with the path taken when it never gets there.
 */
export async function tabTo(page, selector, { limit = 200 } = {}) {
  const where = () =>
    page.evaluate((selector) => {
      const target = document.querySelector(selector);
      const now = document.activeElement ?? document.body;
      if (!target) return "missing";
      if (target === now) return "here";
      return now.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING ? "after" : "before";
    }, selector);
  const first = await where();
  if (first === "missing") throw new Error(`nothing on the page matches ${selector}`);
  const path = [];
  for (let i = 0; i < limit; i++) {
    if ((await where()) === "here") return focused(page);
    await page.keyboard.press(first === "before" ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    path.push(now ? now.testid ?? `${now.tag}:${now.label}` : "(body)");
  }
  throw new Error(`Tab never reached ${selector}; it went through: ${path.join(" → ")}`);
}

/**
 * Asserts that the element with test id `testid` gets the keyboard (within `timeout` ms: focus often
 * moves on the next frame, once the page is redrawn).
 */
export async function expectFocus(page, testid, message, timeout = 3000) {
  try {
    await page.waitForFunction((t) => document.activeElement?.dataset?.testid === t, testid, { timeout });
  } catch {
    const now = await focused(page);
    throw new Error(`${message}: the keyboard is on ${JSON.stringify(now)}, not on ${testid}`);
  }
}

/** Tabs to the element with test id `testid`. */
export function tabToTestId(page, testid, options) {
  return tabTo(page, `[data-testid="${testid}"]`, options);
}
