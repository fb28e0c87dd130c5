/**
 * An offline stand-in for the pytest-json-ctrf plugin, for verifiers that run pytest themselves
 * (`python3 -m pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py`) after a Dockerfile step that would
 * have installed the plugin (`RUN pip install pytest pytest-json-ctrf`) was skipped for lack of network. Without it
 * the machine's pytest stops at "unrecognized arguments: --ctrf" before any test runs, and the script writes
 * reward 0.
 *
 * It is a pytest plugin found through its entry point (`pytest11`), on the verifier's PYTHONPATH only. When the real
 * plugin is installed it does nothing; otherwise it accepts `--ctrf FILE`, writes a CTRF report there (tool, summary,
 * one entry per test) and logs its use to /logs/verifier/offline-shims.log, so the trial lists it as reduced
 * fidelity. The test run itself, and so the reward, is pytest's own.
 */

/** Folder (inside the shim folder) that goes on the verifier's PYTHONPATH. */
export const PYTHON_STANDIN_DIR = ".python";

const MODULE = "switchyard_ctrf_standin";

const PLUGIN = `"""Offline stand-in for pytest-json-ctrf (--ctrf FILE), loaded only when the real plugin is not installed."""
import importlib.metadata
import json
import time


def _real_plugin():
    try:
        importlib.metadata.distribution("pytest-json-ctrf")
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


_ACTIVE = not _real_plugin()
_tests = []
_start = [0]


def pytest_addoption(parser):
    if not _ACTIVE:
        return
    try:
        parser.getgroup("ctrf").addoption(
            "--ctrf", action="store", default=None, metavar="FILE",
            help="write a CTRF JSON report to FILE (offline stand-in for pytest-json-ctrf)")
    except ValueError:
        pass  # another plugin already provides --ctrf


def pytest_sessionstart(session):
    _start[0] = int(time.time() * 1000)


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and not report.passed) or (
            report.when == "teardown" and report.failed):
        status = "passed" if report.passed else "failed" if report.failed else "skipped"
        _tests.append({"name": report.nodeid, "status": status, "duration": int(report.duration * 1000)})


def pytest_sessionfinish(session, exitstatus):
    path = getattr(session.config.option, "ctrf", None) if _ACTIVE else None
    if not path:
        return
    count = {s: sum(t["status"] == s for t in _tests) for s in ("passed", "failed", "skipped")}
    summary = dict(tests=len(_tests), pending=0, other=0, start=_start[0], stop=int(time.time() * 1000), **count)
    report = {"results": {"tool": {"name": "pytest"}, "summary": summary, "tests": _tests}}
    try:
        with open(path, "w") as f:
            json.dump(report, f)
        with open("/logs/verifier/offline-shims.log", "a") as log:
            log.write("pytest --ctrf %s: pytest-json-ctrf is not installed offline; a stand-in wrote the report\\n" % path)
    except OSError:
        pass
`;

/** The stand-in's files, relative to the shim folder. */
export function pythonStandinFiles(): Record<string, string> {
  const dist = `${PYTHON_STANDIN_DIR}/${MODULE}-0.0.dist-info`;
  return {
    [`${PYTHON_STANDIN_DIR}/${MODULE}.py`]: PLUGIN,
    [`${dist}/METADATA`]: `Metadata-Version: 2.1\nName: ${MODULE.replace(/_/g, "-")}\nVersion: 0.0\n`,
    [`${dist}/entry_points.txt`]: `[pytest11]\n${MODULE} = ${MODULE}\n`,
  };
}
