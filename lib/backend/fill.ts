/**
 * Float32 tensors whose values are written in place: on the wasm backend straight into the
 * tensor's own heap buffer (no JS array, no copy on upload: the DataLoader's batches); on the JS
 * backends into the Float32Array that becomes the tensor.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * A float32 tensor of `shape` whose values `write` sets, every one of them (the buffer it gets is
 * not zeroed on wasm). `write` must not make tensors: a heap growth would leave its view behind.
 */
export function filledFloat32(shape: readonly number[], write: (values: Float32Array) => void): tf.Tensor {
  if (tf.getBackend() !== "wasm") {
    const values = new Float32Array(tf.util.sizeFromShape([...shape]));
    write(values);
    return tf.tensor(values, [...shape], "float32");
  }
  const backend = tf.backend() as BackendWasm;
  const info = backend.makeOutput([...shape], "float32");
  const tensor = tf.engine().makeTensorFromTensorInfo(info, backend);
  try {
    write(backend.typedArrayFromHeap(info) as Float32Array); // the view is made after the allocation, which may grow the heap
  } catch (e) {
    tensor.dispose();
    throw e;
  }
  return tensor;
}
