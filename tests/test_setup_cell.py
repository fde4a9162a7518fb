"""The notebooks' setup cell, run as Colab and as a local clone would run it.

"Colab" here is a subprocess that can import a stub ``google.colab`` package and
starts in a folder without ``course_utils``; the repository it clones is a local
clone of this one (``COURSE_REPO_URL``), so nothing touches the network. Only
committed files reach the clone.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

AFTER_SETUP = """
import course_utils
from course_utils.datasets import load_adult
X, y = load_adult()
print("course_utils from", course_utils.__file__)
print("adult", X.shape, int(y.sum()))
"""


def _run(code, cwd, env):
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def colab(tmp_path):
    """Environment variables of a pretend Colab whose repository is a local clone."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the setup cell clones with git on Colab")
    origin = tmp_path / "origin"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(origin)], check=True)
    stub = tmp_path / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub.parent / "__init__.py").write_text("")
    (stub / "__init__.py").write_text('"""Stands in for Colab\'s own package."""\n')
    home = tmp_path / "content" / tool.repo_name()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(stub.parent.parent),
        COURSE_REPO_URL=origin.as_uri(),  # file:// so that --depth 1 applies
        COURSE_HOME=str(home),
    )
    workdir = tmp_path / "content" / "sample_data"  # like Colab's cwd: no course_utils anywhere up
    workdir.mkdir(parents=True)
    return env, workdir, home


def test_setup_cell_clones_on_colab_and_data_loads(colab):
    env, workdir, home = colab
    result = _run(tool.setup_cell_source() + AFTER_SETUP, workdir, env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Setup done: course_utils is ready."
    assert lines[1] == f"course_utils from {home / 'course_utils' / '__init__.py'}"
    assert lines[2].startswith("adult (")
    assert result.stderr == ""
    shallow = subprocess.run(
        ["git", "-C", str(home), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shallow.stdout.strip() == "true"

    again = _run(tool.setup_cell_source() + AFTER_SETUP, workdir, env)  # no second clone
    assert again.returncode == 0, again.stderr
    assert again.stdout == result.stdout


def test_setup_cell_caps_blas_threads_but_respects_the_user(colab):
    env, workdir, _ = colab
    env.pop("OMP_NUM_THREADS", None)
    env["MKL_NUM_THREADS"] = "4"
    code = tool.setup_cell_source() + (
        "\nprint(os.environ['OMP_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])"
    )
    result = _run(code, workdir, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2 4"


def test_setup_cell_finds_the_repository_from_a_notebook_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    code = tool.setup_cell_source() + "\nprint(_root == Path.cwd().parents[1])"
    result = _run(code, ROOT / "notebooks" / "solutions", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Setup done: course_utils is ready.", "True"]


def test_setup_cell_says_what_to_do_without_course_utils(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    # a contributor's PYTHONPATH may hold a checkout: keep only the entries without course_utils
    # (the offline guard is on PYTHONPATH too)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and not (Path(p) / "course_utils").is_dir()
    )
    code = (
        "import sys\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"  # pip -e .
        + tool.setup_cell_source()
    )
    result = _run(code, tmp_path, env)
    assert result.returncode != 0
    assert "course_utils not found" in result.stderr
    assert "pip install -r requirements.txt" in result.stderr


@pytest.fixture
def fake_git(tmp_path):
    """A pretend Colab whose ``git`` (first on PATH) only records its arguments, one per line."""
    stub = tmp_path / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub.parent / "__init__.py").write_text("")
    (stub / "__init__.py").write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "git_argv.txt"
    git = bin_dir / "git"
    git.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(record)!r}, 'a').write('\\n'.join(sys.argv[1:]) + '\\n')\n"
        "sys.exit(1)\n"  # the clone 'fails', so the cell stops right after calling git
    )
    git.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env.update(PYTHONPATH=str(stub.parent.parent), PATH=f"{bin_dir}{os.pathsep}{env['PATH']}")
    workdir = tmp_path / "content"
    workdir.mkdir()
    return env, workdir, record


def test_setup_cell_ends_git_options_before_url_and_folder(fake_git):
    env, workdir, record = fake_git
    env.update(COURSE_REPO_URL="https://example.org/course.git", COURSE_HOME=str(workdir / "c"))
    result = _run(tool.setup_cell_source(), workdir, env)
    assert result.returncode != 0  # the fake git failed the clone
    argv = record.read_text().splitlines()
    assert argv[0] == "clone"
    assert argv[-3:] == ["--", "https://example.org/course.git", str(workdir / "c")]


@pytest.mark.parametrize("variable", ["COURSE_HOME", "COURSE_REPO_URL"])
@pytest.mark.parametrize("value", ["--upload-pack=touch {marker}", "--template={marker}", "-c"])
def test_setup_cell_refuses_values_git_would_read_as_options(fake_git, variable, value):
    env, workdir, record = fake_git
    marker = workdir / "injected"
    env[variable] = value.format(marker=marker)
    result = _run(tool.setup_cell_source(), workdir, env)
    assert result.returncode != 0
    assert "COURSE_REPO_URL and COURSE_HOME must not start with '-'" in result.stderr
    assert not record.exists()  # git was never called
    assert not marker.exists()


def test_real_git_cannot_be_made_to_run_an_upload_pack_command(colab, tmp_path):
    env, workdir, _ = colab
    marker = tmp_path / "injected"
    env["COURSE_HOME"] = f"--upload-pack=touch {marker}"
    result = _run(tool.setup_cell_source(), workdir, env)
    assert not marker.exists()  # before the fix, git ran `touch` as its upload-pack program
    assert result.returncode != 0
    assert "must not start with '-'" in result.stderr
