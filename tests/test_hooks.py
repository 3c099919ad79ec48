"""pre-commit hooks and the CI script: ``kpisheet.hooks`` directly, and the hooks as pre-commit
runs them (``pre-commit try-repo`` in a temporary git repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from kpisheet.config import load_config
from kpisheet.hooks import config_roots, expand, main

ROOT = Path(__file__).resolve().parent.parent
STARTUP = ROOT / "config" / "startup" / "kpisheet.yaml"


def stale_book(path: Path) -> Path:
    """A workbook whose formula has no cached value yet, as a script writes it."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, "=SUM(A1:A2)"
    wb.save(path)
    return path


def fresh_book(path: Path) -> Path:
    stale_book(path)
    from kpisheet.cli import main as kpisheet

    assert kpisheet(["recalc", str(path)]) == 0
    return path


def test_config_roots_group_folder_files_and_keep_single_files(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    files = [folder / "kpis.yaml", folder / "sources.yaml", tmp_path / "team" / "kpisheet.yaml", folder / "kpis.yaml"]
    assert config_roots(files) == [folder, tmp_path / "team" / "kpisheet.yaml"]


def test_expand_globs_sorted_once_and_keeps_plain_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports" / "q3").mkdir(parents=True)
    for name in ("reports/b.xlsx", "reports/a.xlsx", "reports/q3/c.xlsx", "reports/notes.txt"):
        (tmp_path / name).write_text("")
    assert expand(["reports/**/*.xlsx", "reports/a.xlsx", "missing.xlsx"]) == [
        Path("reports/a.xlsx"), Path("reports/b.xlsx"), Path("reports/q3/c.xlsx"), Path("missing.xlsx")]


def test_lint_hook_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(STARTUP)]) == 0
    vague = tmp_path / "vague" / "kpisheet.yaml"
    vague.parent.mkdir()
    vague.write_text("version: 1\nsources: {s: {sheet: S}}\nkpis:\n  revenue: {source: s, measure: sum(amount)}\n")
    assert main(["lint", str(vague)]) == 0  # warnings only
    assert main(["lint", str(vague), "--strict"]) == 1
    broken = tmp_path / "broken" / "kpis.yaml"
    broken.parent.mkdir()
    broken.write_text("version: 1\nkpis:\n  revenue: {formula: nope +}\n")
    assert main(["lint", str(broken), str(STARTUP)]) == 2  # the worst wins; every config is still linted
    err = capsys.readouterr().err
    kpis = len(load_config(STARTUP).kpis)
    assert f"error: {broken}:3:" in err and f"{kpis} KPIs: 0 errors, 0 warnings" in err


def test_recalc_check_hook_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh, stale = fresh_book(tmp_path / "fresh.xlsx"), stale_book(tmp_path / "stale.xlsx")
    before = stale.read_bytes()
    assert main(["recalc-check", str(fresh)]) == 0
    assert main(["recalc-check", str(stale), str(fresh)]) == 1
    out = capsys.readouterr().out
    assert "Sheet!A3: (no value) → 3" in out and "fresh.xlsx" in out  # both were checked
    assert stale.read_bytes() == before  # --check writes nothing
    (tmp_path / "damaged.xlsx").write_text("not a workbook")
    assert main(["recalc-check", str(tmp_path / "damaged.xlsx")]) == 2


def test_ci_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    fresh_book(tmp_path / "reports" / "a.xlsx")
    assert main(["ci", "--workbooks", "reports/*.xlsx", "--config", str(STARTUP)]) == 0
    stale_book(tmp_path / "reports" / "b.xlsx")
    assert main(["ci", "--workbooks", "reports/*.xlsx", "--config", str(STARTUP)]) == 1
    assert main(["ci", "--workbooks", "nothing/*.xlsx"]) == 2
    assert "no file matches nothing/*.xlsx" in capsys.readouterr().err
    assert main(["ci"]) == 2


def test_hook_manifest_is_what_the_readme_promises() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"kpisheet-lint", "kpisheet-recalc-check"}
    assert hooks["kpisheet-recalc-check"]["files"] == r"\.(xlsx|xlsm)$"
    assert all(h["language"] == "python" for h in hooks.values())
    import re

    lint_files = re.compile(hooks["kpisheet-lint"]["files"])
    assert lint_files.search("config/startup/kpisheet.yaml") and lint_files.search("finance/config/kpis.yml")
    assert not lint_files.search(".pre-commit-config.yaml") and not lint_files.search(".github/workflows/ci.yaml")


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "pre_commit"]


def _pip_can_install_kpisheet() -> bool:
    """Whether pip, as configured, can reach every dependency (a resolve, nothing installed)."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                           str(ROOT)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PIP_RETRIES": "0"})
    return done.returncode == 0


def test_pre_commit_try_repo_runs_both_hooks(tmp_path: Path) -> None:
    """pre-commit installs kpisheet from this repository (language: python) and runs the
    hooks on a repository holding a config and a stale workbook: lint passes, recalc fails.

    pre-commit builds the hook's environment with pip, so this needs pip to reach kpisheet's
    dependencies (an index, a mirror or a wheel folder). Where it cannot (offline, without a
    mirror holding python-calamine) the test says so and skips; the hook entry points and the
    action's script are tested directly above either way.
    """
    if not _pip_can_install_kpisheet():
        pytest.skip("pip cannot reach kpisheet's dependencies (offline?): pre-commit cannot build the hook env")
    repo = tmp_path / "repo"
    (repo / "config").mkdir(parents=True)
    shutil.copy(STARTUP, repo / "config" / "kpisheet.yaml")
    stale_book(repo / "book.xlsx")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "books"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    proc = subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "--all-files", "--verbose"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert _status(out, "kpisheet lint") == "Passed", out
    assert _status(out, "kpisheet recalc --check") == "Failed", out
    assert "Sheet!A3: (no value) → 3" in out
    assert f"{len(load_config(STARTUP).kpis)} KPIs: 0 errors, 0 warnings" in out


def _status(output: str, name: str) -> str:
    for line in output.splitlines():
        if line.startswith(name + ".") or line.startswith(name + " ."):
            return line.rstrip().rsplit(".", 1)[-1].strip() or line.split()[-1]
    return "not run"


ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def _action_script() -> str:
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("name") == "Check workbooks and configs"]
    assert step["shell"] == "bash"
    return str(step["run"])


def run_action(cwd: Path, workbooks: str = "", config: str = "", strict: str = "true") -> subprocess.CompletedProcess[str]:
    """The action's check step as GitHub runs a bash step: ``bash --noprofile --norc -eo pipefail``,
    its inputs in the environment, ``python`` the one kpisheet is installed in."""
    script = cwd / "step.sh"
    script.write_text(_action_script())
    env = {**os.environ, "KPISHEET_WORKBOOKS": workbooks, "KPISHEET_CONFIGS": config, "KPISHEET_STRICT": strict,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_action_is_a_composite_that_installs_itself() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"workbooks", "config", "strict", "python-version"}
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install kpisheet")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # the kpisheet of the action's own ref
    assert "${{" not in _action_script()  # inputs arrive through env, never pasted into the script


def test_action_script_checks_globs_and_configs(tmp_path: Path) -> None:
    (tmp_path / "reports" / "2026").mkdir(parents=True)
    fresh_book(tmp_path / "reports" / "2026" / "q3 board.xlsx")  # a space in the name
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(STARTUP, config / "kpisheet.yaml")
    done = run_action(tmp_path, "  reports/**/*.xlsx  \n\n", "config\n")
    assert done.returncode == 0, done.stderr
    assert "checking 1 workbook(s) and 1 config(s)" in done.stderr
    stale_book(tmp_path / "reports" / "stale.xlsx")
    failed = run_action(tmp_path, "reports/**/*.xlsx", "config")
    assert failed.returncode == 1 and "Sheet!A3: (no value) → 3" in failed.stdout


def test_action_script_strict_and_bad_input(tmp_path: Path) -> None:
    vague = tmp_path / "vague.yaml"
    vague.write_text("version: 1\nsources: {s: {sheet: S}}\nkpis:\n  revenue: {source: s, measure: sum(amount)}\n")
    assert run_action(tmp_path, config="vague.yaml").returncode == 1  # warnings fail by default
    assert run_action(tmp_path, config="vague.yaml", strict="false").returncode == 0
    nothing = run_action(tmp_path, workbooks="nowhere/*.xlsx")
    assert nothing.returncode == 2 and "error: --workbooks: no file matches nowhere/*.xlsx" in nothing.stderr
    assert run_action(tmp_path).returncode == 2


def test_readme_snippets_name_real_hooks_and_inputs() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = [yaml.safe_load(b.split("```", 1)[0]) for b in readme.split("```yaml\n")[1:]]
    configs = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert configs and {h["id"] for c in configs for r in c["repos"] for h in r["hooks"]} == {
        "kpisheet-lint", "kpisheet-recalc-check"}
    steps = [s for b in blocks if isinstance(b, list) for s in b if "OWNER/kpisheet" in str(s.get("uses", ""))]
    assert len(steps) >= 2 and all(set(s["with"]) <= set(ACTION["inputs"]) for s in steps)
