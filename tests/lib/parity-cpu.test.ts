// The PyTorch parity suite on the pure-JS cpu backend, in its own process.
import { paritySuite } from "../helpers/paritySuite";

process.env["NNLAB_BACKEND"] = "cpu";
paritySuite("cpu");
