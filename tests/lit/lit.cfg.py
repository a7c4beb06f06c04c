# lit configuration for clive's end-to-end tests: every test runs the real
# clivec binary and checks its output with FileCheck.
import os
import lit.formats

config.name = "clive"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.clive_obj_root, "tests", "lit")

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
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "PATH"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions.append(
    ("%exitcode", "python3 " + os.path.join(config.test_source_root, "tools", "exitcode.py")))
config.excludes = ["tools", "Inputs"]
config.substitutions.append(("split-file", "/usr/lib/llvm-19/bin/split-file"))
