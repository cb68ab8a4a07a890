/**
 * The Jupyter wire protocol (v5.3): typed messages, HMAC signing, and the multipart frame layout
 * `[...identities, "<IDS|MSG>", signature, header, parent_header, metadata, content, ...buffers]`.
 * Pure functions only; sockets live in server.ts.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { FrameError, SignatureError } from "./errors";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

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

/** hex HMAC-SHA256 of the four JSON frames; an empty key means "no signing" (signature ""). */
export function sign(key: string, frames: readonly (string | Buffer)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const f of frames) hmac.update(f);
  return hmac.digest("hex");
}

export function decode(key: string, frames: readonly Buffer[]): Message {
  const at = frames.findIndex((f) => f.toString() === DELIMITER);
  if (at < 0) throw new FrameError("no <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new FrameError(`only ${frames.length - at - 1} frames after the delimiter`);
  const signature = frames[at + 1].toString();
  const body = frames.slice(at + 2, at + 6);
  const header = JSON.parse(body[0].toString()) as Header;
  const expected = sign(key, body);
  if (signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new SignatureError(header.msg_type);
  }
  return {
    identities: frames.slice(0, at),
    header,
    parent_header: JSON.parse(body[1].toString()),
    metadata: JSON.parse(body[2].toString()),
    content: JSON.parse(body[3].toString()),
    buffers: frames.slice(at + 6),
  };
}

export function encode(key: string, msg: Message): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map((part) => Buffer.from(JSON.stringify(part)));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(sign(key, body)), ...body, ...msg.buffers];
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
