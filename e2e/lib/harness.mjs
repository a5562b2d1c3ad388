// What every spec needs: Debian's Chromium through playwright-core, the app's URL, and a LunaCM
// terminal driven like a user drives it (type a line, press Enter, read what appeared).
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { INPUT, applyInputMode, fingerMoveIkey, keyboardBackOn } from "./input-mode.mjs";
import { serve } from "./server.mjs";

export { INPUT };

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

/** Launches Chromium (CHROMIUM overrides /usr/bin/chromium), its input as E2E_INPUT says (input-mode.mjs). */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return applyInputMode(browser);
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

/**
 * Opens the app with `navigator.usb` replaced by the stand-in of `usb-double.js` (its unit a second
 * instance of the simulator's worker), steered through `window.usbDouble`.
 */
export async function openAppWithUsbDouble(env) {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript({ path: join(here, "usb-double.js") });
  return openApp(env, context);
}

/** The terminal transcript's text. */
export function transcript(page) {
  return page.getByTestId("lunacm-output").textContent();
}

/** Waits until the transcript ends with the LunaCM command prompt, and the page is drawn whole. */
export async function waitForPrompt(page) {
  // The panels under the terminal are drawn a frame or two after it (web/src/app.rs): wait for the last.
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="lunacm-output"]')?.textContent.trimEnd().endsWith("lunacm:>") &&
      (!document.querySelector(".panels") || document.querySelector('[data-testid="audit-panel"]')),
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

/** Saves a screenshot as e2e/screenshots/NAME.png (gitignored), for people to look at; NAME.touch.png and so on in another input's run. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const suffix = INPUT === "pointer" ? "" : `.${INPUT}`;
  await page.screenshot({ path: join(SCREENSHOTS, `${name}${suffix}.png`) });
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

// ---- iKeys and the touchscreen ---------------------------------------------------------------------

/** The token of iKey `id`, in the tray or in the port. */
export function ikey(page, id) {
  return page.getByTestId(`ikey-${id}`);
}

/** Waits until iKey `id` is in the port (`inPort` true) or on the desk (false). */
export async function waitForKeyPlace(page, id, inPort) {
  await page.waitForFunction(
    ([id, inPort]) =>
      document.querySelector(`[data-testid="ikey-${id}"]`)?.dataset.inPort === String(inPort),
    [id, inPort],
  );
}

/**
 * Drags iKey `id` from the tray onto the iKey port with the mouse (down, a few moves, up), as a user does.
 * `whileOver(page)` runs with the token held over the port, before letting go (for a screenshot). With
 * E2E_INPUT=touch a finger drags it; with E2E_INPUT=keyboard, Enter on the token inserts it (nothing is
 * held over the port, so `whileOver` does not run).
 */
export async function dragToPort(page, id, whileOver) {
  if (INPUT === "touch") return touchDragToPort(page, id, whileOver);
  if (INPUT === "keyboard") {
    await ikey(page, id).click();
    await waitForKeyPlace(page, id, true);
    return keyboardBackOn(page, id);
  }
  const from = await ikey(page, id).boundingBox();
  const port = await page.getByTestId("ikey-port").boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  // Held by its body, the token's plug meets the port when the pointer is a little right of it.
  await page.mouse.move(port.x + port.width / 2 + 50, port.y + port.height / 2, { steps: 12 });
  if (whileOver) await whileOver(page);
  await page.mouse.up();
  await waitForKeyPlace(page, id, true);
}

/** Drags the inserted iKey `id` off the port and drops it on the tray (a finger, or Enter, as dragToPort). */
export async function dragOffPort(page, id) {
  if (INPUT === "touch") return touchDragOffPort(page, id);
  if (INPUT === "keyboard") {
    await ikey(page, id).click();
    await waitForKeyPlace(page, id, false);
    return keyboardBackOn(page, id);
  }
  const from = await ikey(page, id).boundingBox();
  const tray = await page.getByTestId("ikey-tray").boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(tray.x + tray.width / 2, tray.y + tray.height / 2, { steps: 12 });
  await page.mouse.up();
  await waitForKeyPlace(page, id, false);
}

/** Drags iKey `id` from the tray onto the iKey port with a finger, as on a touch screen; `whileOver(page)` as dragToPort's. */
export async function touchDragToPort(page, id, whileOver) {
  await fingerMoveIkey(page, ikey(page, id), "ikey-port", whileOver && (() => whileOver(page)));
  await waitForKeyPlace(page, id, true);
}

/** Drags the inserted iKey `id` off the port with a finger. */
export async function touchDragOffPort(page, id) {
  await fingerMoveIkey(page, ikey(page, id), "ikey-tray");
  await waitForKeyPlace(page, id, false);
}

/** A button of the touchscreen, by its exact visible text (keypad keys included). */
export function screenButton(page, text) {
  return page.getByTestId("hsm-screen").getByRole("button", { name: text, exact: true });
}

/** Taps a touchscreen button by its visible text. */
export async function tap(page, text) {
  await screenButton(page, text).click();
}

/** Taps digits on the touchscreen keypad. */
export async function keypad(page, digits) {
  for (const digit of digits) await tap(page, digit);
}

/** Waits until the touchscreen's text matches `pattern`; returns that text. */
export async function waitForScreen(page, pattern) {
  await page.waitForFunction(
    ([source, flags]) =>
      new RegExp(source, flags).test(document.querySelector('[data-testid="hsm-screen"]')?.innerText ?? ""),
    [pattern.source, pattern.flags],
  );
  return screenText(page);
}

/** Waits until the transcript, past its first `from` characters, matches `pattern`; returns that part. */
export async function waitForOutput(page, from, pattern) {
  await page.waitForFunction(
    ([from, source, flags]) =>
      new RegExp(source, flags).test(
        document.querySelector('[data-testid="lunacm-output"]')?.textContent.slice(from) ?? "",
      ),
    [from, pattern.source, pattern.flags],
  );
  return (await transcript(page)).slice(from);
}

/** Writes on the sticker of iKey `id` (on the desk) with the sticker editor: a colour name or "none", and text. */
export async function writeSticker(page, id, color, text) {
  await page.getByTestId(`ikey-edit-${id}`).click();
  const editor = page.getByTestId("sticker-editor");
  await editor.getByTestId(`sticker-color-${color}`).check();
  await editor.getByTestId("sticker-text").fill(text);
  await editor.getByRole("button", { name: "Save", exact: true }).click();
  await editor.waitFor({ state: "detached" });
  // The editor gives the keyboard back to the token on the next frame: wait for it, so that a spec
  // focusing another token next is not overtaken by it.
  await keyboardBackOn(page, id);
}

/** The sticker of iKey `id` as the page shows it: `{ color, label }`. */
export async function sticker(page, id) {
  const token = ikey(page, id);
  return { color: await token.getAttribute("data-color"), label: await token.getAttribute("data-label") };
}

// ---- prompts, roles, the device's slot legend -----------------------------------------------------

/**
 * Runs `line` and answers every question LunaCM asks until its command prompt returns:
 * `answer(prompt, masked)` gives the answer to the prompt (the transcript's last line), or undefined when
 * the spec cannot answer it. Returns everything that appeared.
 */
export async function runAnswering(page, line, answer) {
  let out = await run(page, line);
  let all = out;
  for (let step = 0; step < 12 && !out.trimEnd().endsWith("lunacm:>"); step++) {
    const prompt = await currentPrompt(page);
    const masked = (await page.getByTestId("lunacm-input").getAttribute("type")) === "password";
    const reply = answer(prompt, masked);
    if (reply === undefined) throw new Error(`${line} asked something the spec cannot answer: ${JSON.stringify(prompt)}`);
    const echoAndOut = await enter(page, reply);
    out = echoAndOut.slice(echoAndOut.indexOf("\n") + 1);
    all += echoAndOut;
  }
  return all;
}

/** `role login -name NAME`, typing `password` at the masked prompt. Returns the output. */
export function login(page, name, password) {
  return runAnswering(page, `role login -name ${name}`, (_prompt, masked) => (masked ? password : undefined));
}

/** Waits until the element with test id `testId` has attribute `name` equal to `value`. */
export async function waitForAttribute(page, testId, name, value) {
  await page.waitForFunction(
    ([testId, name, value]) => document.querySelector(`[data-testid="${testId}"]`)?.getAttribute(name) === value,
    [testId, name, value],
  );
}

/**
 * The host files as the page saved them: the world in localStorage names them, IndexedDB holds their
 * texts. Returns { name: text } for the files the saved world names.
 */
export function storedFiles(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const names = JSON.parse(localStorage.getItem("luna-usb-hsm7-sim/world")).files;
        const open = indexedDB.open("luna-usb-hsm7-sim");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction("files");
          const store = tx.objectStore("files");
          const keys = store.getAllKeys();
          const values = store.getAll();
          tx.oncomplete = () => {
            const all = {};
            keys.result.forEach((key, i) => (all[key] = values.result[i]));
            db.close();
            resolve(Object.fromEntries(names.map((name) => [name, all[name]])));
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}
