/** The kernel tests use the project's one Jupyter client (kernel/notebook/client.ts). */
export { CLI, KernelClient, texts, writeConnectionFile, type Execution } from "../../kernel/notebook/client";
