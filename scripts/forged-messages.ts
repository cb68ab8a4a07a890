/**
 * Forged Jupyter messages for the reliability probes (scripts/reliability.ts) and tests
 * (tests/kernel/reliability-*.test.ts): validly signed frames with a broken part, sent as they are
 * on a client's shell socket.
 */
import type * as zmq from "zeromq";
import type { KernelClient } from "../kernel/notebook/client";
import { newHeader, sign } from "../kernel/wire";

/** `[<IDS|MSG>, signature, ...bodies]`: four JSON frames (or anything else) signed with `key`. */
export function signedFrames(key: string, bodies: readonly string[], scheme?: string): Buffer[] {
  return [Buffer.from("<IDS|MSG>"), Buffer.from(sign(key, bodies, scheme)), ...bodies.map((b) => Buffer.from(b))];
}

/** Sends frames on the client's shell socket as they are. */
export async function sendRaw(k: KernelClient, frames: Buffer[]): Promise<void> {
  await (k as unknown as { shell: zmq.Dealer }).shell.send(frames);
}

/**
 * One execute_request whose code adds 1 to `globalThis.<counter>`, broken in one part: what the
 * forged-message tests and probes send. `what` names the fault as the kernel's log line does.
 */
export function forgedExecutes(session: string, counter: string): { what: RegExp; bodies: string[] }[] {
  const header = (): Record<string, unknown> => ({ ...newHeader("execute_request", session, "attacker") });
  const content = JSON.stringify({ code: `(globalThis as any).${counter} = ((globalThis as any).${counter} ?? 0) + 1;`, silent: false });
  const message = (h: unknown, parent: unknown = {}, metadata: unknown = {}, c: string = content) =>
    [typeof h === "string" ? h : JSON.stringify(h), JSON.stringify(parent), JSON.stringify(metadata), c];
  const cases: { what: RegExp; bodies: string[] }[] = [
    { what: /header is null, not an object/, bodies: message(null) },
    { what: /header is a string, not an object/, bodies: message("\"execute_request\"") },
    { what: /header is a number, not an object/, bodies: message("42") },
    { what: /header is an array, not an object/, bodies: message("[]") },
    { what: /header is not JSON/, bodies: message("{\"msg_type\": ") },
    { what: /parent_header is null/, bodies: message(header(), null) },
    { what: /parent_header is a string/, bodies: message(header(), "x") },
    { what: /metadata is null/, bodies: message(header(), {}, null) },
    { what: /metadata is an array/, bodies: message(header(), {}, [1]) },
    { what: /content is null/, bodies: message(header(), {}, {}, "null") },
    { what: /content is a string/, bodies: message(header(), {}, {}, "\"1+1\"") },
    { what: /content is not JSON/, bodies: message(header(), {}, {}, "{code:") },
  ];
  for (const field of ["msg_id", "msg_type", "session", "username", "version"]) {
    const h = header();
    delete h[field];
    cases.push({ what: new RegExp(`header\\.${field} is missing`), bodies: message(h) });
    cases.push({ what: new RegExp(`header\\.${field} is not a string`), bodies: message({ ...header(), [field]: 7 }) });
  }
  return cases;
}
