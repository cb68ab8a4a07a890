import * as tf from "@tensorflow/tfjs-core";

export type NativePackage = "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node";

/**
 * Loads a tfjs-node package if it is installed and its native binding works, and makes its
 * 'tensorflow' backend the active one. Returns whether it runs on a CUDA device, or the reason it
 * cannot be used (both packages are optional: their install downloads libtensorflow).
 */
export async function startNative(pkg: NativePackage): Promise<{ cuda: boolean } | { failed: string }> {
  try {
    process.env["TF_CPP_MIN_LOG_LEVEL"] ??= "2"; // silences libtensorflow's C++ start-up log on stderr
    require(pkg);
    if (!(await tf.setBackend("tensorflow"))) return { failed: `${pkg}: the 'tensorflow' backend failed to start` };
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    if (sum !== 3) return { failed: `${pkg}: 1 + 2 gave ${sum}` };
    return { cuda: (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true };
  } catch (e) {
    return { failed: `${pkg}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
}
