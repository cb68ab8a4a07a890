/**
 * `npm run reliability`: the issue-9 probes of the kernel, against real kernel processes over
 * ZeroMQ (loopback): forged and replayed messages, cells that try to end the kernel, interrupts
 * sent during and after cells. Prints the counts and rewrites them in RELIABILITY.md between
 * `<!-- reliability:kernel:start -->` and `<!-- reliability:kernel:end -->`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { KernelClient } from "../kernel/notebook/client";
import { encode, sign } from "../kernel/wire";
import { forgedExecutes, sendRaw, signedFrames } from "./forged-messages";

const ROOT = path.resolve(__dirname, "..", "..");
const DOC = path.join(ROOT, "RELIABILITY.md");
const HEAP_MB = 384;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function value(k: KernelClient, code: string): Promise<string | undefined> {
  const e = await k.whileAlive(k.execute(code));
  const data = e.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, unknown> | undefined;
  return data?.["text/plain"] as string | undefined;
}

async function alive(k: KernelClient): Promise<boolean> {
  if (k.proc.exitCode !== null || k.proc.signalCode !== null) return false;
  return (await k.whileAlive(k.request("shell", "kernel_info_request", {})).catch(() => undefined))?.content.status === "ok";
}

interface MessageCounts { tried: number; executed: number; alive: boolean }

/** Forged (malformed but signed, wrongly signed) and replayed execute_requests; each would add 1 to a counter. */
async function messages(k: KernelClient): Promise<MessageCounts> {
  const code = "(globalThis as any).forged = ((globalThis as any).forged ?? 0) + 1;";
  const malformed = forgedExecutes(k.session, "forged").map((c) => signedFrames(k.info.key, c.bodies));
  const msg = () => k.message("execute_request", { code, silent: false });
  const body = (m: ReturnType<typeof msg>) => [m.header, m.parent_header, m.metadata, m.content].map((p) => JSON.stringify(p));
  const badlySigned = [
    encode("not-the-key", msg()),
    [Buffer.from("<IDS|MSG>"), Buffer.from(""), ...body(msg()).map((b) => Buffer.from(b))],
    [Buffer.from("<IDS|MSG>"), Buffer.from(sign(k.info.key, body(msg())).slice(0, 32)), ...body(msg()).map((b) => Buffer.from(b))],
    [Buffer.from("<IDS|MSG>"), Buffer.from(sign(k.info.key, body(msg()), "hmac-sha512")), ...body(msg()).map((b) => Buffer.from(b))],
    [Buffer.from("no delimiter"), ...body(msg()).map((b) => Buffer.from(b))],
  ];
  const original = msg();
  const replay = encode(k.info.key, original);
  await sendRaw(k, replay);
  await k.outputsOf(original.header.msg_id);
  const replays = Array.from({ length: 20 }, () => replay);
  const forged = [...malformed, ...badlySigned, ...replays];
  for (const frames of forged) await sendRaw(k, frames);
  const runs = Number(await value(k, "(globalThis as any).forged ?? 0"));
  return { tried: forged.length, executed: runs - 1, alive: await alive(k) };
}

interface Fault { cell: string; restarted: boolean; survived: boolean; evalue: string }

/** Cells that try to end the kernel; `interrupts` are sent while the cell runs. */
async function fault(k: KernelClient, cell: string, interrupts = 0): Promise<Fault> {
  const id = await k.startExecute(cell);
  await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input");
  // An interrupt that comes while the cell is still being compiled stops it before it starts.
  if (interrupts > 0) await sleep(1500);
  for (let i = 0; i < interrupts; i++) {
    await sleep(500);
    await k.send("control", "interrupt_request", {});
  }
  const reply = await k.whileAlive(k.shellReply(id)).catch(() => undefined);
  const survived = await alive(k) && await value(k, "1 + 1").catch(() => undefined) === "2";
  const fatal = /^.*(FATAL ERROR|Fatal).*$/m.exec(k.stderr)?.[0].replace(/^#\s*/, "");
  const evalue = reply ? String(reply.content.evalue) : `no reply: the kernel process died (${fatal ?? `stderr: ${k.stderr.trim().split("\n").pop()}`})`;
  return { cell, restarted: reply?.content.ename === "KernelRestarted", survived, evalue };
}

const FAULTS: [string, number][] = [
  ["process.exit(1)", 0],
  ["process.exit(0)", 0],
  ["process.kill(process.pid, 'SIGTERM')", 0],
  ["process.kill(process.pid, 'SIGKILL')", 0],
  ["const hog: object[] = [];\nwhile (true) hog.push({ n: hog.length, s: `x${hog.length}` });", 0],
  ['eval("while (true) {}")', 2],
  ["setTimeout(() => { throw new Error('late'); }, 0); await new Promise((r) => setTimeout(r, 50));", 0],
];
/** Aborts V8 itself (a fatal "invalid size" error): no worker can contain it. Run last, on its own kernel. */
const FATAL = "Array.from({length: 5e8}).length";

interface InterruptCounts { tried: number; right: number }

/** After a cell ended, an interrupt must hit nothing; during a cell, that cell. */
async function interrupts(k: KernelClient): Promise<InterruptCounts> {
  let tried = 0;
  let right = 0;
  for (let round = 0; round < 40; round++) {
    await k.shellReply(await k.startExecute("1;"));
    await k.send("control", "interrupt_request", {});
    const next = await k.startExecute("2;");
    const queued = await k.startExecute("3;");
    const ok = (await k.shellReply(next)).content.status === "ok" && (await k.shellReply(queued)).content.status === "ok";
    tried++;
    if (ok) right++;
  }
  const during = ["while (true) {}", "await new Promise((r) => setTimeout(r, 60000));",
    `const mc = torch.randn(1500, 1500); mc${".matmul(mc)".repeat(200)};`];
  for (let round = 0; round < 10; round++) {
    const id = await k.startExecute(during[round % during.length]);
    await k.waitIopub((m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input");
    await sleep(1000);
    await k.send("control", "interrupt_request", {});
    const hit = (await k.shellReply(id)).content.ename === "KeyboardInterrupt";
    const nextOk = (await k.shellReply(await k.startExecute("4;"))).content.status === "ok";
    tried++;
    if (hit && nextOk) right++;
  }
  return { tried, right };
}

function table(m: MessageCounts, faults: Fault[], fatal: Fault, i: InterruptCounts): string {
  const survived = faults.filter((f) => f.survived).length;
  const rows = [...faults, fatal].map((f) => `| \`\` ${f.cell.split("\n").join(" ")} \`\` | ${f.survived ? "no" : "**yes**"} | ${f.evalue} |`);
  return [
    `Measured by \`npm run reliability\` on ${new Date().toISOString().slice(0, 10)} (runner heap limit ${HEAP_MB} MB for the probe).`,
    "",
    "| probe | tried | result |",
    "|---|---|---|",
    `| forged messages (malformed but signed, wrongly signed, replayed) | ${m.tried} | ${m.executed} executed; kernel alive after: ${m.alive ? "yes" : "**no**"} |`,
    `| cells that try to end the kernel | ${faults.length} | ${survived} survived (an error reply, the same process, and the next cell runs) |`,
    `| cells that abort V8 itself | 1 | ${fatal.survived ? "survived" : "kill the process; Jupyter's restart brings it back (tested with KernelManager)"} |`,
    `| interrupts (40 after a cell ended, 10 during one) | ${i.tried} | ${i.right} hit the right cell |`,
    "",
    "| cell | kills the kernel process | reply |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}

function rewrite(doc: string, start: string, end: string, body: string): string {
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${DOC} lacks the markers ${start} ... ${end}: put them back where the counts go`);
  return `${doc.slice(0, a + start.length)}\n${body}\n${doc.slice(b)}`;
}

async function main(): Promise<void> {
  process.env.NNLAB_RUNNER_HEAP_MB = String(HEAP_MB);
  const k = await KernelClient.start();
  let report: string;
  try {
    const m = await messages(k);
    console.log("messages", m);
    const i = await interrupts(k);
    console.log("interrupts", i);
    const faults: Fault[] = [];
    for (const [cell, n] of FAULTS) {
      faults.push(await fault(k, cell, n));
      console.log("fault", faults.at(-1));
    }
    const fatal = await fault(k, FATAL);
    console.log("fatal", fatal);
    report = table(m, faults, fatal, i);
  } finally {
    await k.close();
  }
  writeFileSync(DOC, rewrite(readFileSync(DOC, "utf8"), "<!-- reliability:kernel:start -->", "<!-- reliability:kernel:end -->", report));
  console.log(report);
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
