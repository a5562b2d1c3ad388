// Story: a documentation author pastes the README's iframe snippet into a page: the demo plays to its
// end and tells the host page; on the sample page (docs/embed-example.html) the reader steps, jumps to a
// chapter of the iKey demo, takes over and types, copies the transcript and the script, and saves an
// asciicast. The embedded world is its own: the trainee's saved world is untouched. A link can carry a
// starting world.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { setup } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const KEY = "luna-usb-hsm7-sim/world";

/** The clipboard's text once it matches `pattern` (writing to it is asynchronous), or as it is after 5 s. */
async function clipboard(page, pattern) {
  let text = "";
  for (let i = 0; i < 50 && !pattern.test(text); i++) {
    if (i) await page.waitForTimeout(100);
    text = await page.evaluate(() => navigator.clipboard.readText());
  }
  return text;
}

/** The iframe snippet from README.md, pointed at this server. */
async function snippet(url) {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const block = readme.split("<!-- embed snippet -->")[1].match(/```html\n([\s\S]*?)\n```/)[1];
  return block.replace("https://trainer.example/", url);
}

test("the README's snippet plays a demo to its end and tells the host page", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${env.url}embed-example.html`); // any page of the same server, for its origin
  const iframe = await snippet(env.url);
  assert.match(iframe, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed&demo=stm-recovery"/);
  await page.evaluate((html) => {
    window.seen = [];
    window.addEventListener("message", (e) => e.data?.source === "luna-usb-hsm7-sim" && window.seen.push(e.data));
    document.body.innerHTML = html;
  }, iframe);
  await page.waitForFunction(() => window.seen.some((e) => e.event === "ready"));
  const frame = page.frameLocator("iframe");
  await frame.getByTestId("player-speed").selectOption("0");
  await frame.getByTestId("player-play").click();
  await page.waitForFunction(() => window.seen.some((e) => e.event === "finished"), null, { timeout: 30_000 });
  const seen = await page.evaluate(() => window.seen);
  assert.deepEqual(
    seen.filter((e) => e.event === "marker").map((e) => e.marker),
    ["A new unit arrives", "Recover from Secure Transport Mode"],
  );
  const lines = seen.filter((e) => e.event === "line");
  assert.deepEqual(lines.map((e) => e.line), [
    "slot list",
    "sim email",
    "stm recover -randomuserstring 8XJs-RXRu-OXfg-eeTB",
    "proceed",
    "slot list",
  ]);
  assert.match(lines[2].output, /Verification String: O725-fHMo-wXdU-kBvk/, "seed 1's unit, as the script expects");
  assert.match(lines.at(-1).output, /HSM Status ->\s+Zeroized/);
  assert.match(await frame.getByTestId("player-play").innerText(), /Finished/);
  await context.close();
});

test("on the sample page: step, jump to a chapter, take over, copy, asciicast; the trainee's world untouched", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(env.url).origin });
  const page = await context.newPage();
  await page.goto(env.url);
  await page.waitForFunction(() => localStorage.getItem("luna-usb-hsm7-sim/world"));
  const trainee = await page.evaluate((key) => localStorage.getItem(key), KEY);

  await page.goto(`${env.url}embed-example.html`);
  const stm = page.frameLocator("#stm");
  await stm.getByTestId("player").waitFor();
  // The host page's Step button sends {command: "step"}: one line, then a pause.
  await stm.getByTestId("player-speed").selectOption("0");
  await page.click("#step");
  await page.locator("#events li", { hasText: "line slot list" }).waitFor();
  assert.match(await stm.getByTestId("player-caption").innerText(), /A new unit arrives: The unit ships in Secure Transport Mode/);
  assert.match(await stm.getByTestId("lunacm-output").innerText(), /lunacm:>slot list[\s\S]*Transport Mode/);
  assert.equal(await page.locator("#events li", { hasText: "line sim email" }).count(), 0, "paused after one line");

  // The iKey demo: jump to its last chapter (everything before it runs at once), then play it out.
  const ikeys = page.frameLocator("#ikeys");
  await ikeys.getByTestId("player-chapter").filter({ hasText: "Log in with a quorum" }).click();
  await ikeys.getByTestId("player-caption").filter({ hasText: "Log in with a quorum" }).waitFor({ timeout: 30_000 });
  assert.match(await ikeys.getByTestId("hsm-screen").innerText(), /QuorumHSM/);
  await ikeys.getByTestId("player-speed").selectOption("0");
  await ikeys.getByTestId("player-play").click();
  await ikeys.getByTestId("player-play").filter({ hasText: "Finished" }).waitFor({ timeout: 30_000 });
  const out = await ikeys.getByTestId("lunacm-output").innerText();
  assert.match(out, /lunacm:>role login -name so\n[\s\S]*Command Result : No Error/, "the quorum logged the HSM SO in");
  assert.match(out, /lunacm:>\s*$/);

  // Take over: the reader types into the same world.
  await ikeys.getByTestId("player-takeover").click();
  const input = ikeys.getByTestId("lunacm-input");
  await input.fill("hsm showinfo");
  await input.press("Enter");
  await ikeys.getByTestId("lunacm-output").filter({ hasText: /Label ->\s+QuorumHSM/ }).waitFor();

  // Copy the transcript and the script; save the session as asciicast.
  await ikeys.getByTestId("player-copy-transcript").click();
  assert.match(await clipboard(page, /lunacm:>hsm showinfo/), /lunacm:>hsm showinfo/);
  await ikeys.getByTestId("player-copy-script").click();
  assert.match(await clipboard(page, /^# Demo/), /^# Demo: initialize the HSM with iKeys/);
  const [download] = await Promise.all([page.waitForEvent("download"), ikeys.getByTestId("player-asciicast").click()]);
  const cast = (await readFile(await download.path(), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(cast[0].version, 2);
  assert.ok(cast.some((e) => e[1] === "m" && e[2] === "Log in with a quorum"), "chapters are markers");
  assert.ok(cast.some((e) => e[1] === "o" && e[2].includes("role login -name so\r\n")), "output with terminal line ends");

  // The trainee's world is as it was.
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), KEY), trainee);
  await context.close();
});

test("a link carries a starting world (a world file as a data: URL) and a one-line script", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1300, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(env.url);
  await page.waitForFunction(() => document.querySelector('[data-testid="lunacm-output"]')?.textContent.includes("lunacm:>"));
  const input = page.getByTestId("lunacm-input");
  for (const line of ["stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP", "proceed"]) {
    await input.fill(line);
    await input.press("Enter");
  }
  await page.waitForFunction(() => document.querySelector('[data-testid="lunacm-output"]').textContent.includes("Successfully recovered"));
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("world-export").click()]);
  const file = await readFile(await download.path());
  const world = `data:application/json;base64,${file.toString("base64")}`;
  await page.goto(`${env.url}?embed&world=${encodeURIComponent(world)}&lines=${encodeURIComponent("slot list")}&autoplay`);
  await page.getByTestId("player-play").filter({ hasText: "Finished" }).waitFor({ timeout: 30_000 });
  const out = await page.getByTestId("lunacm-output").innerText();
  assert.match(out, /lunacm:>slot list[\s\S]*HSM Status ->\s+Zeroized\n/, "the carried world is out of Secure Transport Mode");

  await page.goto(`${env.url}?embed&world=${encodeURIComponent("data:application/json,{}")}&lines=slot%20list`);
  await page.getByTestId("player-problem").waitFor();
  assert.match(await page.getByTestId("player-problem").innerText(), /was not loaded: The file was not imported: this is not a world file/);
  await context.close();
});
