// Entry file of the wasm backend's pthread workers under Node (started by wasm-threads.ts).
// tfjs hands its workers blob: URLs, which worker_threads cannot load; this file stands in for them.
const factoryPath = require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js");
const { wasmWorkerContents } = require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js") as {
  wasmWorkerContents: string;
};

// The main thread posts the emscripten factory as a Blob and the worker script turns it into an
// object URL to read back; read the same factory from its file instead.
URL.createObjectURL = () => factoryPath;
URL.revokeObjectURL = () => undefined;

// The script is shipped as a template literal whose "\n" escapes became newlines inside string literals.
new Function("require", "__filename", wasmWorkerContents.replace(/\n/g, "\\n"))(require, __filename);
