/**
 * The kernel's and the command lines' errors (the library's are lib/errors.ts): every one is an
 * NnlabError named by its class, and its message says what was wrong and how to fix it.
 */
export class NnlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A command line used wrongly: the message ends with the command's usage. */
export class UsageError extends NnlabError {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
  }
}

/** A Jupyter message signed with another key. */
export class SignatureError extends NnlabError {
  constructor(msgType: string) {
    super(`message ${msgType} has a wrong HMAC signature: the client must sign with the key of the connection file`);
  }
}

/** A connection file's signature_scheme that Node's crypto cannot compute. */
export class SignatureSchemeError extends NnlabError {
  constructor(scheme: string) {
    super(`the connection file's signature_scheme ${JSON.stringify(scheme)} is not supported: use hmac-<hash> with a hash Node's crypto offers (hmac-sha256, hmac-sha512, ...)`);
  }
}

/** A signed message received before: a replay, refused as ipykernel refuses it. */
export class DuplicateSignatureError extends NnlabError {
  constructor(signature: string) {
    super(`Duplicate Signature: ${signature.slice(0, 16)}... was already received; a replayed message is not run again`);
  }
}

/** A validly signed message whose frames are not what the protocol says. */
export class MessageError extends NnlabError {
  constructor(what: string) {
    super(`invalid Jupyter message: ${what} (header needs string msg_id, msg_type, session, username, version; parent_header, metadata and content must be JSON objects)`);
  }
}

/** The runner worker ended under a cell and a fresh one took its place. */
export class KernelRestarted extends NnlabError {
  constructor(reason: string) {
    super(`${reason}; the runner was restarted and variables were lost`);
  }
}

/** Frames that are not a Jupyter message. */
export class FrameError extends NnlabError {
  constructor(what: string) {
    super(`malformed Jupyter message: ${what} (expected [ids..., "<IDS|MSG>", signature, header, parent, metadata, content])`);
  }
}

/** A worker's handler threw: its error, with the worker's stack. */
export class WorkerCallError extends NnlabError {
  constructor(method: string, cause: { name: string; message: string; stack?: string }) {
    super(`${method} failed in the worker: ${cause.name}: ${cause.message}`);
    this.stack = cause.stack ?? this.stack;
  }
}

/** A cell stopped by an interrupt (Jupyter's interrupt button or SIGINT), as IPython names it. */
export class KeyboardInterrupt extends NnlabError {
  constructor() {
    super("the kernel was interrupted; variables defined so far are kept");
  }
}

/** input()/prompt() where no front end can answer. */
export class StdinNotAvailableError extends NnlabError {
  constructor(why: string) {
    super(`input() cannot ask for text: ${why}`);
  }
}

/** The kernelspec cannot be written where it was asked for. */
export class KernelspecError extends NnlabError {}

/** The kernel process ended before answering a request. */
export class KernelDiedError extends NnlabError {
  constructor(code: number | null, signal: string | null, stderr: string) {
    super(`the kernel process exited (${signal ?? `code ${code}`}) before answering; is dist/ built (npx tsc -p .)? kernel stderr:\n${stderr}`);
  }
}

/** A file that is not a valid nbformat 4 notebook; `what` says what is wrong and how to fix it. */
export class NotebookFormatError extends NnlabError {
  constructor(readonly file: string, readonly what: string) {
    super(`${file} is not a valid nbformat 4 notebook: ${what}`);
  }
}

/** The folder for a command's output files cannot be used (it is a file, or cannot be created or written). */
export class OutputFolderError extends NnlabError {
  constructor(dir: string, what: string) {
    super(`cannot write into ${dir}: ${what}; pass --out a writable folder (it is created if missing)`);
  }
}
