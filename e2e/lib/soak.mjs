// The soak generator: random LunaCM lines, prompt answers, `sim` lines (iKeys in and out, taps, digits,
// the clock), nonsense and half-typed commands, from a seed. The same tables and the same 32-bit
// generator (mulberry32) as `core/tests/soak.rs`, so a seed gives the same lines natively and in the
// browser (that test pins the first lines of seed 1).
// `node e2e/lib/soak.mjs SEED COUNT RUS` prints COUNT lines as JSON, one a line, and their checksum.

/** mulberry32, in 32-bit integer arithmetic as Rust's `wrapping_*` computes it. */
export function rng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ ((t + Math.imul(t ^ (t >>> 7), t | 61)) >>> 0)) >>> 0;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const below = (n) => next() % n;
  return { next, below, pick: (items) => items[below(items.length)] };
}

const LUNACM = [
  "slot list",
  "slot set -slot 3",
  "slot set -slot 4",
  "slot set -slot 9",
  "hsm showinfo",
  "hsm showpolicies",
  "partition showinfo",
  "partition contents",
  "partition create",
  "partition init -label par1 -password popin123 -domain pdomain1 -force",
  "audit status",
  "audit config path /var/audit evmask all force",
  'audit logmsg message "soak"',
  "audit export list",
  "role login -name so -password userpin1",
  "role login -name so",
  "role login -name po -password popin123",
  "role login -name co -password copin123",
  "role init -name co -password copin123",
  "role init -name au -password audpass1",
  "role logout",
  "role show",
  "hsm init -label soak -ipwd",
  "hsm init -label soak -iped",
  "hsm zeroize",
  "hsm factoryreset",
  "stm transport",
  "stm recover -randomuserstring {rus}",
  "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP",
  "partition init -label par1 -iped",
  "role init -name co -iped",
  "cmu list -slot=3 -password=copin123",
  "cmu generatekey -slot=3 -password=copin123 -keyType=AES -keysize=32 -label=soak",
  "hsm changehsmpolicy -policy 12 -value 1",
  "partition changepolicy -policy 22 -value 0",
  "help",
  "quit",
];

const ANSWERS = ["proceed", "quit", "userpin1", "mydomain", "popin123", "pdomain1", "yes", "no", "y", "", "  "];

/** The touchscreen's buttons, as `sim tap` names them. */
export const BUTTONS = ["Enter", "Cancel", "Clear", "Reuse", "New", "Overwrite", "Use another iKey", "Yes", "No", "Admin", "Exit"];

const SIM = [
  "sim screen",
  "sim ikeys",
  "sim ikey new 1",
  "sim clock",
  "sim email",
  "sim environment",
  "sim unit list",
  "sim load sign 5",
  "sim app sessions",
  "sim help",
];

const COLORS = ["red", "blue", "black", "none", "mauve"];

const WORDS = [
  "slot", "hsm", "role", "partition", "audit", "stm", "cmu", "sim", "ikey", "tap", "login", "init", "show",
  "-name", "-slot", "-label", "-password", "-force", "-policy", "-value", "so", "co", "po", "cu", "3", "4",
  '"', '"quoted arg"', "-", "--", "=", "é", "\u0000",
];

// Short procedures that take the unit further than single random lines do.
const FLOWS = [
  ["stm recover -randomuserstring {rus}", "proceed"],
  ["hsm init -label soak -ipwd", "userpin1", "userpin1", "mydomain", "mydomain", "proceed"],
  [
    "role login -name so -password userpin1",
    "partition create",
    "role logout",
    "slot set -slot 3",
    "partition init -label par1 -password popin123 -domain pdomain1 -force",
    "role login -name po -password popin123",
    "role init -name co -password copin123",
    "role logout",
  ],
  ["hsm init -label soak -iped", "proceed"],
  ["role login -name co -password copin123", "cmu generatekey -slot=3 -keyType=AES -keysize=32 -label=k", "role logout"],
];

const CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 -=\"'/\\";

/** A generator of lines from `seed`: `next(rus)` is the next line; `rus` the unit's random user string. */
export function generator(seed) {
  const r = rng(seed);
  const queued = [];
  return {
    next(rus) {
      if (queued.length) return queued.shift().replace("{rus}", rus);
      return line(r, queued, rus);
    },
  };
}

function line(r, queued, rus) {
  const roll = r.below(100);
  if (roll < 6) {
    const flow = FLOWS[r.below(FLOWS.length)];
    queued.push(...flow.slice(1));
    return flow[0].replace("{rus}", rus);
  }
  if (roll < 30) return r.pick(LUNACM).replace("{rus}", rus);
  if (roll < 45) return r.pick(ANSWERS);
  if (roll < 70) {
    switch (r.below(8)) {
      case 0:
        return `sim ikey insert ${1 + r.below(6)}`;
      case 1:
        return "sim ikey remove";
      case 2:
        return `sim tap ${r.pick(BUTTONS)}`;
      case 3:
        return `sim keypad ${r.below(10000)}`;
      case 4:
        return `sim clock advance ${r.below(400)}`;
      case 5:
        return r.pick(SIM);
      case 6: {
        const id = 1 + r.below(6);
        const color = r.pick(COLORS);
        return `sim ikey sticker ${id} ${color} k${r.below(100)}`;
      }
      default:
        return "sim tap Enter";
    }
  }
  if (roll < 90) {
    const n = r.below(6);
    return Array.from({ length: n }, () => r.pick(WORDS)).join(" ");
  }
  const n = r.below(13);
  return Array.from({ length: n }, () => CHARS[r.below(CHARS.length)]).join("");
}

/** `count` lines of seed `seed`. */
export function lines(seed, count, rus) {
  const g = generator(seed);
  return Array.from({ length: count }, () => g.next(rus));
}

/** FNV-1a (32 bits) of `count` lines of `seed` joined by newlines, as UTF-8: pinned by the native test. */
export function checksum(seed, count, rus) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(lines(seed, count, rus).join("\n"))) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [seed = "1", count = "8", rus = "RUS"] = process.argv.slice(2);
  for (const l of lines(Number(seed), Number(count), rus)) console.log(JSON.stringify(l));
  console.log(`checksum of ${count} lines: ${checksum(Number(seed), Number(count), rus)}`);
}
