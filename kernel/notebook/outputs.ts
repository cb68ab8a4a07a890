/**
 * iopub messages -> nbformat outputs, as Jupyter stores them (nbclient's rules): consecutive
 * streams of one name merge; update_display_data rewrites every earlier output with its display_id
 * in place (in any cell) and adds nothing; clear_output(wait=true) clears just before the next output.
 * Pure: no sockets, so every rule is tested on plain messages.
 */
import type { Content, Message } from "../wire";
import type { OutputMetadata, StreamType } from "@jupyterlab/nbformat";
import type { MimeBundle, Output } from "./nbformat";

type DisplayOutput = Extract<Output, { data: MimeBundle }>;

const displayIdOf = (content: Content): string | undefined =>
  (content.transient as { display_id?: string } | undefined)?.display_id;

/** Collects the outputs of one notebook run; one `cell()` per executed code cell. */
export class OutputCollector {
  /** display_id -> the outputs that show it, across cells. */
  private readonly displays = new Map<string, DisplayOutput[]>();

  /** The outputs of one cell, from the iopub messages its execute_request caused (in order). */
  cell(messages: readonly Message[]): Output[] {
    const outputs: Output[] = [];
    let clearPending = false;
    const add = (output: Output, displayId?: string): void => {
      if (clearPending) {
        outputs.length = 0;
        clearPending = false;
      }
      const last = outputs[outputs.length - 1];
      if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
        last.text += output.text;
        return;
      }
      outputs.push(output);
      if (displayId !== undefined && output.output_type !== "stream" && output.output_type !== "error") {
        this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), output]);
      }
    };
    for (const m of messages) {
      const c = m.content;
      switch (m.header.msg_type) {
        case "stream":
          add({ output_type: "stream", name: String(c.name) as StreamType, text: String(c.text) });
          break;
        case "display_data":
          add({ output_type: "display_data", data: c.data as MimeBundle, metadata: (c.metadata ?? {}) as OutputMetadata }, displayIdOf(c));
          break;
        case "execute_result":
          add({
            output_type: "execute_result", execution_count: Number(c.execution_count),
            data: c.data as MimeBundle, metadata: (c.metadata ?? {}) as OutputMetadata,
          }, displayIdOf(c));
          break;
        case "error":
          add({ output_type: "error", ename: String(c.ename), evalue: String(c.evalue), traceback: (c.traceback ?? []) as string[] });
          break;
        case "update_display_data":
          this.update(displayIdOf(c), c);
          break;
        case "clear_output":
          if (c.wait === true) clearPending = true;
          else outputs.length = 0;
          break;
        default:
          // execute_input, status, comm_* and the like are not outputs.
          break;
      }
    }
    return outputs;
  }

  private update(displayId: string | undefined, c: Content): void {
    for (const output of displayId === undefined ? [] : this.displays.get(displayId) ?? []) {
      output.data = c.data as MimeBundle;
      output.metadata = (c.metadata ?? {}) as OutputMetadata;
    }
  }
}
