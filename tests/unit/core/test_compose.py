from pathlib import Path

from scripts.check_compose import ROOT, problems_in


def test_repository_compose_file_is_valid():
    assert problems_in(ROOT / "docker-compose.yml") == []


def test_invalid_compose_file_is_reported(tmp_path: Path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  web:\n    image: 3\n    ports: 8000\n    restart: sometimes-maybe\n")
    problems = problems_in(bad)
    assert any("ports" in problem for problem in problems)
    assert any("services missing" in problem for problem in problems)
