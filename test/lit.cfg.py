# lit configuration for the adrsc test suite.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "adrsc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".adrs", ".test", ".cpp"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.adrs_obj_root, "test")

# FileCheck, not, count and split-file come from LLVM 16, adrsc from the build.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.use_default_substitutions()
config.substitutions.append(("%adrsc", os.path.join(config.adrs_tools_dir, "adrsc")))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%src_root", config.adrs_src_root))
config.substitutions.append(("%examples", os.path.join(config.adrs_src_root, "examples")))
config.substitutions.append(("%obj_root", config.adrs_obj_root))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%ctest", config.ctest_command))
# A researcher's own build of a simulator (the `link` tests): Clang and the
# archiver of LLVM 16.
config.substitutions.append(("%clangxx", os.path.join(config.llvm_tools_dir, "clang++")))
config.substitutions.append(("%llvm-ar", os.path.join(config.llvm_tools_dir, "llvm-ar")))

# Diagnostics must not depend on the terminal or the locale.
config.environment["LC_ALL"] = "C"
for var in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]:
    config.environment.pop(var, None)

# The report's rendering tests need headless Chromium (Debian's `chromium`,
# installed by utils/install-deps.sh); without it they are reported as
# unsupported rather than passed.
import shutil
if shutil.which("chromium"):
    config.available_features.add("chromium")
else:
    lit_config.note("chromium is not installed: the report rendering tests "
                    "(REQUIRES: chromium) will not run")

# The cluster tests need a SLURM cluster that answers (CI starts a one-node
# one with test/Inputs/slurm.sh up); without one they are reported as
# unsupported. srun and squeue find it through slurm.conf, so the variables
# that point at it pass through.
import subprocess
def slurm_answers():
    if not shutil.which("sinfo") or not shutil.which("srun"):
        return False
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and any(
        s.strip().rstrip("*~#") in ("idle", "mix", "alloc")
        for s in out.stdout.split())
for var in ["SLURM_CONF", "SLURM_JOB_ID"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]
lit_config.parallelism_groups["slurm"] = 1
if slurm_answers():
    config.available_features.add("slurm")
else:
    lit_config.note("no SLURM cluster answers (sinfo): the cluster tests "
                    "(REQUIRES: slurm) will not run")

# The LevelDB example evolves LevelDB 1.23's own code, downloaded from
# deb.debian.org by its get-leveldb.sh (once; the tarball stays in the
# example's work/ directory, checked against its sha256). When it can be
# neither found nor downloaded, its tests (REQUIRES: leveldb) are reported
# as unsupported, with the reason here.
leveldb_get = os.path.join(config.adrs_src_root, "examples", "leveldb",
                           "get-leveldb.sh")
try:
    leveldb_out = subprocess.run(["sh", leveldb_get, "--download-only"],
                                 capture_output=True, text=True, timeout=300)
    leveldb_ok = leveldb_out.returncode == 0
    leveldb_why = leveldb_out.stderr.strip()
except (OSError, subprocess.TimeoutExpired) as e:
    leveldb_ok, leveldb_why = False, str(e)
if leveldb_ok:
    config.available_features.add("leveldb")
else:
    lit_config.note("LevelDB 1.23 could not be downloaded (" + leveldb_why +
                    "): the LevelDB example's tests (REQUIRES: leveldb) "
                    "will not run")
