/**
 * The Jupyter wire protocol (v5.3): typed messages, HMAC signing, and the multipart frame layout
 * `[...identities, "<IDS|MSG>", signature, header, parent_header, metadata, content, ...buffers]`.
 * Pure functions only; sockets live in server.ts.
 */
import { createHmac, getHashes, randomUUID, timingSafeEqual } from "node:crypto";
import { DuplicateSignatureError, FrameError, MessageError, SignatureError, SignatureSchemeError } from "./errors";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";
/** What a connection file without `signature_scheme` means (jupyter_client's default). */
export const DEFAULT_SCHEME = "hmac-sha256";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export type Content = Record<string, unknown>;

export interface Message {
  /** ZeroMQ routing prefix of ROUTER sockets; replies copy it from their request. */
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Content;
  buffers: Buffer[];
}

/** The hash of a `hmac-<alg>` scheme, if Node's crypto offers it (`hmac-sha512` → `sha512`). */
export function schemeHash(scheme: string): string {
  const hash = /^hmac-(.+)$/.exec(scheme)?.[1];
  if (hash === undefined || !getHashes().includes(hash)) throw new SignatureSchemeError(scheme);
  return hash;
}

/** hex HMAC of the four JSON frames; an empty key means "no signing" (signature ""). */
export function sign(key: string, frames: readonly (string | Buffer)[], scheme = DEFAULT_SCHEME): string {
  if (key === "") return "";
  const hmac = createHmac(schemeHash(scheme), key);
  for (const f of frames) hmac.update(f);
  return hmac.digest("hex");
}

/**
 * The signatures already received (ipykernel's digest_history): a message whose signature was seen
 * before is a replay. Bounded like ipykernel's (2**16); the oldest signature leaves first.
 */
export class SignatureHistory {
  private readonly seen = new Set<string>();
  constructor(readonly limit = 2 ** 16) {}

  /** Records `signature`; throws DuplicateSignatureError if it was already there. */
  add(signature: string): void {
    if (this.seen.has(signature)) throw new DuplicateSignatureError(signature);
    this.seen.add(signature);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value as string);
  }

  get size(): number {
    return this.seen.size;
  }
}

export interface DecodeOptions {
  scheme?: string;
  /** Given: a signature seen before is refused as a replay (the kernel passes one; clients need not). */
  history?: SignatureHistory;
}

export function decode(key: string, frames: readonly Buffer[], options: DecodeOptions = {}): Message {
  const at = frames.findIndex((f) => f.toString() === DELIMITER);
  if (at < 0) throw new FrameError("no <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new FrameError(`only ${frames.length - at - 1} frames after the delimiter`);
  const signature = frames[at + 1].toString();
  const body = frames.slice(at + 2, at + 6);
  const expected = sign(key, body, options.scheme);
  if (signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new SignatureError(msgTypeOf(body[0]));
  }
  if (key !== "") options.history?.add(signature);
  const [header, parent_header, metadata, content] = validate(body);
  return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
}

const FRAMES = ["header", "parent_header", "metadata", "content"] as const;
const HEADER_FIELDS = ["msg_id", "msg_type", "session", "username", "version"] as const;

/**
 * The check at the edge: the four frames of a (signed) message parsed and shaped as the protocol
 * says, so nothing past here meets `null`, a string header or a missing msg_type.
 */
export function validate(body: readonly Buffer[]): [Header, Header | Record<string, never>, Record<string, unknown>, Content] {
  const parts = FRAMES.map((name, i) => {
    let value: unknown;
    try {
      value = JSON.parse(body[i].toString());
    } catch {
      throw new MessageError(`${name} is not JSON`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new MessageError(`${name} is ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`}, not an object`);
    }
    return value as Record<string, unknown>;
  });
  const header = parts[0];
  for (const field of HEADER_FIELDS) {
    if (typeof header[field] !== "string") throw new MessageError(`header.${field} is ${field in header ? "not a string" : "missing"}`);
  }
  return parts as unknown as ReturnType<typeof validate>;
}

/** The msg_type of a header frame, for naming a rejected message; "?" when it has none. */
function msgTypeOf(header: Buffer): string {
  try {
    const type = (JSON.parse(header.toString()) as { msg_type?: unknown } | null)?.msg_type;
    return typeof type === "string" ? type : "?";
  } catch {
    return "?";
  }
}

export function encode(key: string, msg: Message, scheme = DEFAULT_SCHEME): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map((part) => Buffer.from(JSON.stringify(part)));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(sign(key, body, scheme)), ...body, ...msg.buffers];
}

export function newHeader(msgType: string, session: string, username = "kernel"): Header {
  return { msg_id: randomUUID(), msg_type: msgType, session, username, date: new Date().toISOString(), version: PROTOCOL_VERSION };
}

/** A message answering or reporting on `parent`: same session, parent_header set, identities copied. */
export function replyTo(parent: Message | undefined, msgType: string, content: Content, session: string, identities: Buffer[] = []): Message {
  return {
    identities,
    header: newHeader(msgType, parent?.header.session ?? session, parent?.header.username),
    parent_header: parent?.header ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** The connection file Jupyter writes for a kernel (`jupyter_client.connect.write_connection_file`). */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  kernel_name?: string;
}

export function address(conn: ConnectionInfo, port: number): string {
  return conn.transport === "ipc" ? `ipc://${conn.ip}-${port}` : `${conn.transport}://${conn.ip}:${port}`;
}
