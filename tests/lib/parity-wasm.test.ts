// The PyTorch parity suite on the wasm backend (XNNPACK), in its own process.
import { paritySuite } from "../helpers/paritySuite";

process.env["NNLAB_BACKEND"] = "wasm";
paritySuite("wasm");
