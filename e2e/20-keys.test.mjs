// Story: as Crypto Officer, a trainee generates an RSA-2048 key pair from the terminal (the key is made in
// the simulator's worker: the page keeps answering), self-signs a certificate, downloads it, and a
// standard verifier (OpenSSL, through node's crypto) accepts it; then, as the application with the Crypto
// User logged in, the application panel signs a text, verifies the signature, and sees a changed text
// refused. Long main-thread tasks are reported, not asserted.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { SO_PASSWORD, enter, initialize, recoverFromStm, run, screenshot, setup, transcript } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

/** yyyymmdd of today plus `days`. */
const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");

test("the Crypto Officer makes a key pair and a certificate; the application signs and verifies", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__longTasks.push([e.startTime, e.duration]))).observe({
      type: "longtask",
      buffered: true,
    });
  });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(env.url);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="lunacm-output"]')?.textContent.trimEnd().endsWith("lunacm:>"),
  );
  await recoverFromStm(page);
  await initialize(page);
  for (const line of [
    `role login -name so -password ${SO_PASSWORD}`,
    "partition create",
    "role logout",
    "slot set -slot 3",
    "partition init -label par1 -password popin123 -domain pdomain1 -force",
    "role login -name po -password popin123",
    "role init -name co -password copin123",
    "role logout",
    "role login -name co -password copin123",
    "role changepw -name co -oldpw copin123 -newpw copin456 -force",
    "role init -name cu -password cupin123",
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/, line);
  }

  // The key pair, with the Crypto Officer's LunaCM login: while the worker works, the page answers.
  const before = (await transcript(page)).length;
  const input = page.getByTestId("lunacm-input");
  await input.fill(
    "cmu generatekeypair -slot=3 -keyType=RSA -modulusBits=2048 -publicExponent=65537 -sign=1 -verify=1 -labelPublic=web-pub -labelPrivate=web-priv",
  );
  const started = Date.now();
  const from = await page.evaluate(() => performance.now());
  await input.press("Enter");
  const answered = await page.evaluate(() => performance.now());
  assert.ok(answered > 0, "the page answers while the key is generated");
  await page.waitForFunction(
    (from) => document.querySelector('[data-testid="lunacm-output"]').textContent.slice(from).includes("Generated private key"),
    before,
    { timeout: 60_000 },
  );
  const generated = Date.now() - started;
  const during = await page.evaluate((t) => window.__longTasks.filter(([start]) => start >= t).map(([, d]) => d), from);
  const out = (await transcript(page)).slice(before);
  assert.match(out, /Generated public key: handle=1 label=web-pub/);
  assert.match(out, /Generated private key: handle=2 label=web-priv/);

  // A self-signed certificate, downloaded from the host files panel and checked by OpenSSL.
  const cert = await run(page, `cmu selfsign -slot=3 -privatehandle=2 -cn=docs.example -startdate=${day(-1)} -enddate=${day(365)} -outputfile=/tmp/docs.pem`);
  assert.match(cert, /Certificate written to file '\/tmp\/docs\.pem'/);
  await page.locator('[data-testid="file-item"][data-name="/tmp/docs.pem"] button').first().click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("file-download").click()]);
  const x509 = new X509Certificate(await readFile(await download.path()));
  assert.equal(x509.subject, "CN=docs.example");
  assert.ok(x509.verify(x509.publicKey), "the certificate's signature verifies under its own key");
  assert.ok(x509.checkIssued(x509), "self-issued");
  assert.equal(x509.publicKey.asymmetricKeyDetails.modulusLength, 2048);
  assert.ok(new Date(x509.validTo) > new Date(), "valid now");

  // The application, with the Crypto User's login: sign, verify, and a changed text refused.
  for (const line of [
    "role logout",
    "role login -name cu -password cupin123",
    "role changepw -name cu -oldpw cupin123 -newpw cupin456 -force",
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/, line);
  }
  const panel = page.getByTestId("app-panel");
  await panel.locator("summary").click();
  await panel.getByTestId("app-handle").fill("2");
  await panel.getByTestId("app-data").fill("hello docs");
  const shown = await transcript(page);
  await panel.getByTestId("app-run").click();
  const result = panel.getByTestId("app-result");
  await page.waitForFunction(() => document.querySelector('[data-testid="app-result"]').textContent.includes("app sign"));
  assert.match(await result.innerText(), /^app sign: [0-9a-f]{512}$/);
  assert.equal(await transcript(page), shown, "the application's work does not show in LunaCM's terminal");

  await panel.getByTestId("app-operation").selectOption("verify");
  await panel.getByTestId("app-handle").fill("1");
  assert.match(await panel.getByTestId("app-input").inputValue(), /^[0-9a-f]{512}$/, "the signature is carried over");
  await panel.getByTestId("app-run").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="app-result"]').textContent.includes("app verify"));
  assert.equal(await result.innerText(), "app verify: signature verified");
  await screenshot(page, "20-application-verified");

  await panel.getByTestId("app-data").fill("hello docs!");
  await panel.getByTestId("app-run").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="app-result"]').textContent.includes("refused"));
  assert.match(await result.innerText(), /CKR_SIGNATURE_INVALID/);

  // The Crypto User may not make keys.
  assert.match(await enter(page, "cmu generatekey -slot=3 -keyType=AES -keysize=32 -label=nope"), /CKR_USER_NOT_AUTHORIZED/);

  const all = await page.evaluate(() => window.__longTasks.map(([, d]) => d));
  const longest = (tasks) => Math.round(Math.max(0, ...tasks));
  console.log(
    `RSA-2048 key pair in the worker: ${generated} ms from Enter to output; main-thread tasks over 50 ms ` +
      `during it: ${during.length} (longest ${longest(during)} ms); in the whole story: ${all.length} (longest ${longest(all)} ms)`,
  );
  assert.deepEqual(page.errors, []);
  await context.close();
});
