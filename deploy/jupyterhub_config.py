"""
A JupyterHub for a class taught with nnlab: Debian 12's packages only (apt-get install jupyterhub,
which brings configurable-http-proxy and the classic Notebook), every student's notebook server on
this machine, the nnlab kernel as everyone's default.

    sudo npm install -g nnlab && sudo nnlab install --prefix /usr/local   # the kernelspec, for every user
    printf 'ada\\nalan\\ngrace\\n' > students.txt                          # the class list, one login per line
    NNLAB_CLASS_LIST=students.txt NNLAB_CLASS_PASSWORD=... \\
      jupyterhub -f "$(npm root -g)/nnlab/deploy/jupyterhub_config.py"     # then open http://127.0.0.1:8000

As written it is the try-it-on-one-machine setup that tests/hub/hub.test.ts runs: the hub and its
proxy listen on loopback only, students log in with the class password (DummyAuthenticator), and
every student's server runs as the unix user who started the hub, in its own home folder
(SimpleLocalProcessSpawner: no isolation between students). For a real class see "Real class"
at the end of this file and README.md ("JupyterHub for a class").
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines it when it loads this file)

# Loopback only: put a TLS-terminating reverse proxy (nginx, Caddy) in front for students.
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.hub_ip = "127.0.0.1"
# Debian's node-configurable-http-proxy; the hub starts and stops it. Its modules lie in
# /usr/share/nodejs, where Debian's own Node looks and a Node from elsewhere (NodeSource, nvm) does not.
c.ConfigurableHTTPProxy.command = ["env", "NODE_PATH=/usr/share/nodejs", "configurable-http-proxy"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"

# Who may log in: the class list (NNLAB_CLASS_LIST, else students.txt beside this file).
class_list = Path(os.environ.get("NNLAB_CLASS_LIST", Path(__file__).with_name("students.txt")))
c.Authenticator.allowed_users = {line.strip() for line in class_list.read_text().splitlines() if line.strip()}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["NNLAB_CLASS_PASSWORD"]

# Each student's server: the classic Notebook from Debian, in a temporary home folder per student
# (the simple spawner's default; set c.Spawner.notebook_dir to choose another).
c.JupyterHub.spawner_class = "simple"
c.Spawner.environment = {"JUPYTERHUB_SINGLEUSER_APP": "notebook.notebookapp.NotebookApp"}
c.Spawner.default_url = "/tree"
# New notebooks and sessions that name no kernel get nnlab.
c.Spawner.args = ["--MultiKernelManager.default_kernel_name=nnlab"]
# The simple spawner runs every server as the hub's own user: as root (a container, CI) the
# Notebook refuses to start without being told that this is meant.
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
# Passed on to the servers and so to the kernels: where the kernelspec is (when not under
# /usr/local or /usr), and nnlab's own settings (NNLAB_THREADS=1 suits a shared machine).
c.Spawner.env_keep.extend(["JUPYTER_PATH", "NNLAB_THREADS", "NNLAB_BACKEND", "NNLAB_QUICK"])

# Real class, on a machine where every student has a unix account:
#   c.JupyterHub.authenticator_class = "pam"            # their own passwords
#   c.JupyterHub.spawner_class = "localprocess"         # each server runs as its student
#   (the hub then runs as root, or as a user allowed to sudo the spawn: see JupyterHub's docs)
