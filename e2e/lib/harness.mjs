// What every spec needs: Debian's Chromium through playwright-core, the app's URL, and a LunaCM
// terminal driven like a user drives it (type a line, press Enter, read what appeared).
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SCREENSHOTS = join(here, "..", "screenshots");

/** Flags for a headless Chromium as root with no network beyond 127.0.0.1. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Chromium (CHROMIUM overrides /usr/bin/chromium). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * The app's URL: BASE_URL when set (scripts/test.sh serves dist/ itself), otherwise dist/ served from
 * this process for the duration of the spec.
 */
export async function appUrl() {
  if (process.env.BASE_URL) return { url: process.env.BASE_URL, close: async () => {} };
  return serve(join(here, "..", "..", "dist"));
}

/**
 * A browser, the app's URL, and a cleanup. One per spec file: `const env = await setup(); ...
 * after(() => env.close())`.
 */
export async function setup() {
  const server = await appUrl();
  const browser = await launch();
  return {
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Opens the app in a page of `context` (a fresh context, hence empty localStorage, by default) and waits
 * until LunaCM shows its first prompt. Uncaught page errors are collected in `page.errors`.
 */
export async function openApp(env, context) {
  context ??= await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(env.url);
  await waitForPrompt(page);
  return page;
}

/** The terminal transcript's text. */
export function transcript(page) {
  return page.getByTestId("lunacm-output").textContent();
}

/** Waits until the transcript ends with the LunaCM command prompt. */
export async function waitForPrompt(page) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="lunacm-output"]')?.textContent.trimEnd().endsWith("lunacm:>"),
    null,
    { timeout: 15_000 },
  );
}

/**
 * Types `line` in the terminal and presses Enter, as a user does. Returns what appeared in the
 * transcript: the echo, a newline, then LunaCM's output ending with its next prompt.
 */
export async function enter(page, line) {
  const before = await transcript(page);
  const input = page.getByTestId("lunacm-input");
  await input.fill(line);
  await input.press("Enter");
  await page.waitForFunction(
    (length) => document.querySelector('[data-testid="lunacm-output"]').textContent.length !== length,
    before.length,
  );
  const after = await transcript(page);
  return after.startsWith(before) ? after.slice(before.length) : after;
}

/** The output of a command without its echo line. */
export async function run(page, line) {
  const out = await enter(page, line);
  return out.slice(out.indexOf("\n") + 1);
}

/** The last prompt LunaCM printed (the transcript's last line). */
export async function currentPrompt(page) {
  const text = await transcript(page);
  return text.slice(text.lastIndexOf("\n") + 1);
}

/** The touchscreen's text. */
export function screenText(page) {
  return page.getByTestId("hsm-screen").innerText();
}

/** Saves a screenshot as e2e/screenshots/NAME.png (gitignored), for people to look at. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The shape of STM strings: four groups of four characters (base64 alphabet) joined by dashes. */
export const STM_STRING = /[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}/g;

/** Password and domain used by the specs that initialize the HSM. */
export const SO_PASSWORD = "Sim-SO-pass1";
export const DOMAIN = "myDomain01";

/** `stm recover` with a made-up random user string, then `proceed`. Returns both outputs. */
export async function recoverFromStm(page) {
  const recover = await run(page, "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP");
  const proceed = await run(page, "proceed");
  return { recover, proceed };
}

/**
 * `hsm init -label LABEL -ipwd`, answering LunaCM's prompts as a user would read them: a password when the
 * input is masked, the domain when asked for one, `proceed` when asked to proceed. Returns every prompt
 * answered (with whether it was masked) and the whole output.
 */
export async function initialize(page, label = "myLunaUSB") {
  let out = await run(page, `hsm init -label ${label} -ipwd`);
  const prompts = [];
  let all = out;
  for (let step = 0; step < 12 && !out.trimEnd().endsWith("lunacm:>"); step++) {
    const prompt = await currentPrompt(page);
    const masked = (await page.getByTestId("lunacm-input").getAttribute("type")) === "password";
    let answer;
    if (masked) answer = /domain/i.test(prompt) ? DOMAIN : SO_PASSWORD;
    else if (/proceed/i.test(prompt)) answer = "proceed";
    else if (/domain/i.test(prompt)) answer = DOMAIN;
    else throw new Error(`hsm init asked something the spec cannot answer: ${JSON.stringify(prompt)}`);
    prompts.push({ prompt, masked, answer });
    const echoAndOut = await enter(page, answer);
    out = echoAndOut.slice(echoAndOut.indexOf("\n") + 1);
    all += echoAndOut;
  }
  return { prompts, output: all };
}
