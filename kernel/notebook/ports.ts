/** Free TCP ports of 127.0.0.1, for a kernel's connection file and for test servers. */
import { createServer } from "node:net";

/** A TCP port of 127.0.0.1 free when asked (another process may take it before it is bound). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
