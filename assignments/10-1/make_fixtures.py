#!/usr/bin/env python3
"""Writes the fixture submissions of assignment 10-1 from its release notebook.

Run after `nnlab assign assignments/10-1/cnn.ipynb --out DIR`:
    python3 assignments/10-1/make_fixtures.py DIR/student/cnn.ipynb assignments/10-1/submissions
Each fixture is the release notebook with one change a real submission makes (see FIXTURES);
expected-grades.csv holds the points each must get.
"""
import copy
import json
import os
import sys

SOLUTION_INIT = """    this.conv1 = new nn.Conv2d(1, 16, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(16, 32, 3, { padding: 1 });
    this.conv3 = new nn.Conv2d(32, 64, 3, { padding: 1 });
    this.pool = new nn.MaxPool2d(2);
    this.fc1 = new nn.Linear(64 * 3 * 3, 128);
    this.fc2 = new nn.Linear(128, 64);
    this.fc3 = new nn.Linear(64, 10);"""

SOLUTION_FORWARD = """    x = this.pool(F.relu(this.conv1(x)));
    x = this.pool(F.relu(this.conv2(x)));
    x = this.pool(F.relu(this.conv3(x)));
    x = x.view(x.size(0), -1);
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);"""

STUB = '    // YOUR CODE HERE\n    throw new Error("not implemented");'


def code(source):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}


def grade_id(cell):
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def index_of(nb, gid):
    return next(i for i, c in enumerate(nb["cells"]) if grade_id(c) == gid)


def answer(nb, init=SOLUTION_INIT, forward=SOLUTION_FORWARD):
    cell = nb["cells"][index_of(nb, "cnn")]
    source = "".join(cell["source"])
    first = source.index(STUB)
    source = source[:first] + init + source[first + len(STUB):]
    return_stub = source.index(STUB)
    cell["source"] = source[:return_stub] + forward + source[return_stub + len(STUB):]
    return nb


def correct(nb):
    return answer(nb)


def partly_wrong(nb):
    # conv3 keeps 32 channels (and fc1 takes 32*3*3): two of six layer shapes and the parameter count are wrong.
    return answer(nb, SOLUTION_INIT.replace("Conv2d(32, 64", "Conv2d(32, 32").replace("64 * 3 * 3", "32 * 3 * 3"))


def syntax_error(nb):
    return answer(nb, forward=SOLUTION_FORWARD.replace("return this.fc3(x);", "return this.fc3(x;"))


def infinite_loop(nb):
    return answer(nb, forward="    while (x.size(0) > 0) { /* never ends */ }\n" + SOLUTION_FORWARD)


def deleted_test_cell(nb):
    answer(nb)
    del nb["cells"][index_of(nb, "test_params")]
    shapes = nb["cells"][index_of(nb, "test_shapes")]
    nb["cells"].insert(index_of(nb, "test_shapes") + 1, copy.deepcopy(shapes))
    return nb


def process_exit(nb):
    answer(nb)
    nb["cells"].insert(index_of(nb, "test_shapes") + 1, code("// done for today\nprocess.exit(0);"))
    return nb


def stderr_noise(nb):
    answer(nb, forward='    console.error("forward", x.shape);\n' + SOLUTION_FORWARD)
    nb["cells"].insert(index_of(nb, "cnn") + 1, code('console.warn("debug: CNN defined");'))
    return nb


def tampered_test_cell(nb):
    for gid in ["test_shapes", "test_params", "test_training"]:
        nb["cells"][index_of(nb, gid)]["source"] = 'console.log("all tests pass");\ngrade(10, 10, "perfect");'
    return nb


def huge_output(nb):
    answer(nb)
    nb["cells"].insert(index_of(nb, "cnn") + 1, code('for (let i = 0; i < 100000; i++) console.log(`line ${i}: ${"#".repeat(60)}`);'))
    return nb


FIXTURES = {
    "correct": correct, "partly-wrong": partly_wrong, "syntax-error": syntax_error, "infinite-loop": infinite_loop,
    "deleted-test-cell": deleted_test_cell, "process-exit": process_exit, "stderr-noise": stderr_noise,
    "tampered-test-cell": tampered_test_cell, "huge-output": huge_output,
}


def main(release, out):
    with open(release) as f:
        nb = json.load(f)
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
    os.makedirs(out, exist_ok=True)
    for name, make in FIXTURES.items():
        with open(os.path.join(out, name + ".ipynb"), "w") as f:
            json.dump(make(copy.deepcopy(nb)), f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
