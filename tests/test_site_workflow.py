"""The website's publishing workflow runs CI's command; the site and repository URLs live once."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _steps():
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


def test_pages_workflow_builds_with_ci_command_and_uploads_the_site_folder():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = "\n".join(step.get("run", "") for step in _steps())
    for command in ["python -m pip install -r requirements-site.txt", "python tools/site.py"]:
        assert command in ci and command in runs, command
    site = _load("site_tool", ROOT / "tools" / "site.py")
    uploaded = [step["with"]["path"] for step in _steps()
                if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploaded == [str(site.OUT.relative_to(ROOT))]


def test_site_and_repository_urls_are_written_once():
    nbtool = _load("notebooks_tool", ROOT / "tools" / "notebooks.py")
    assert nbtool.SITE_URL.startswith("https://") and nbtool.SITE_URL.endswith("/")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    for url in [nbtool.SITE_URL, nbtool.REPO_URL]:
        holders = []
        for name in tracked:
            path = ROOT / name
            text_file = path.suffix in {".py", ".md", ".yml", ".toml", ".txt", ".cfg", ".sh"}
            if text_file and path.is_file():
                if url.rstrip("/") in path.read_text(encoding="utf-8", errors="replace"):
                    holders.append(name)
        # README's notebook table is generated from tools/notebooks.py (`badges`).
        assert set(holders) <= {"tools/notebooks.py", "README.md"}, (url, holders)
    # (that README's generated table is current is test_notebooks.py's
    # test_readme_notebook_table_is_current)
