"""jupyter_kernel_test's conformance suite against the nnlab kernel (run by interop.test.ts)."""
import unittest

import jupyter_kernel_test


class NnlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nnlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("to stderr");'
    completion_samples = [{"text": "Math.ab", "matches": {"abs"}}, {"text": "torch.zerosL", "matches": {"zerosLike"}}]
    complete_code_samples = ["let a = 1;", "for (let i = 0; i < 2; i++) {}"]
    incomplete_code_samples = ["for (let i = 0; i < 2; i++) {", "const f = (x: number) =>"]
    invalid_code_samples = ["let a = );", "class { }}"]
    code_page_something = "torch.zeros?"
    code_generate_error = 'throw new Error("boom");'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "torch.tensor([1, 2])", "result": "tensor([1, 2])"},
    ]
    code_display_data = [
        {"code": "display.html('<b>x</b>');", "mime": "text/html"},
        {"code": "display.markdown('*x*');", "mime": "text/markdown"},
        {"code": "display.svg('<svg xmlns=\"http://www.w3.org/2000/svg\"/>');", "mime": "image/svg+xml"},
    ]
    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "torch.zeros"
    code_clear_output = "clearOutput();"


if __name__ == "__main__":
    unittest.main()
