# lit configuration for clive's end-to-end tests: every test runs the real
# clivec binary and checks its output with FileCheck.
import os
import lit.formats

config.name = "clive"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(__file__)
# CTest runs one lit process per test file, in parallel. Each gets its own
# exec root (--param clive_exec_root) because lit rewrites a timing file in
# the exec root after every run, and concurrent rewrites corrupt it.
config.test_exec_root = lit_config.params.get(
    "clive_exec_root", os.path.join(config.clive_obj_root, "tests", "lit"))

config.substitutions.append(("%clivec", config.clivec))
config.substitutions.append(("FileCheck", config.filecheck))
config.substitutions.append(("%examples", os.path.join(config.clive_src_root, "examples")))
# `%nonroot cmd` runs cmd as an unprivileged user when the tests run as root
# (as CI does), so that file permissions are really enforced.
if os.geteuid() == 0:
    config.substitutions.append(
        ("%nonroot", "setpriv --reuid=65534 --regid=65534 --clear-groups --"))
else:
    config.substitutions.append(("%nonroot", ""))

# `clivec get` looks for .clive upwards from the current directory; never let
# it find one outside the test tree.
config.environment["CLIVE_CEILING_DIRECTORIES"] = os.path.dirname(config.test_exec_root)
config.environment["HOME"] = os.environ.get("HOME", "/tmp")
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
# clivec's directory first on PATH: real git finds git-remote-clive there.
config.environment["PATH"] = os.pathsep.join(
    [os.path.dirname(config.clivec), os.environ.get("PATH", "/usr/bin:/bin")])
# Real git in tests: no user or system config, fixed identity.
config.environment["GIT_CONFIG_NOSYSTEM"] = "1"
config.environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
    config.environment[var] = "clive test"
for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
    config.environment[var] = "test@clive.invalid"

config.substitutions.append(
    ("%exitcode", "python3 " + os.path.join(config.test_source_root, "tools", "exitcode.py")))
config.excludes = ["tools", "Inputs"]
config.substitutions.append(("split-file", "/usr/lib/llvm-19/bin/split-file"))
# `%lsp-session script` runs `clivec lsp` on a JSON-RPC script (tools/lsp-session.py).
config.substitutions.append(
    ("%lsp-session", "python3 " + os.path.join(config.test_source_root, "tools", "lsp-session.py")
     + " --clivec " + config.clivec))
# `%watch-session ws steps...` drives `clivec watch` through file edits
# (tools/watch-session.py).
config.substitutions.append(
    ("%watch-session", "python3 " + os.path.join(config.test_source_root, "tools", "watch-session.py")
     + " --clivec " + config.clivec))
