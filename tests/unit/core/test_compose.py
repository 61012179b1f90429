from pathlib import Path

from scripts.check_compose import ROOT, problems_in, procfile_problems


def test_repository_compose_file_is_valid():
    assert problems_in(ROOT / "docker-compose.yml") == []


def test_invalid_compose_file_is_reported(tmp_path: Path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  web:\n    image: 3\n    ports: 8000\n    restart: sometimes-maybe\n")
    problems = problems_in(bad)
    assert any("ports" in problem for problem in problems)
    assert any("services missing" in problem for problem in problems)


def test_the_local_topology_runs_the_compose_services():
    assert procfile_problems(ROOT / "docker-compose.yml", ROOT / "Procfile.local") == []


def test_a_procfile_that_drifted_from_compose_is_reported(tmp_path: Path):
    lines = (ROOT / "Procfile.local").read_text().splitlines()
    drifted = [line.replace("config.wsgi", "config.asgi") for line in lines if not line.startswith("beat:")]
    procfile = tmp_path / "Procfile.local"
    procfile.write_text("\n".join([*drifted, "extra: .venv/bin/python -m something"]) + "\n")
    problems = procfile_problems(ROOT / "docker-compose.yml", procfile)
    assert "Procfile.local: no process runs compose service beat" in problems
    assert any(problem.startswith("Procfile.local: web1 does not run gunicorn") for problem in problems)
    assert "Procfile.local: extra runs no compose service" in problems
