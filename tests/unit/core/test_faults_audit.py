"""The e2e-faults runner's own rules (the run itself is `make e2e-faults`)."""

from tests.faults.audit import _chain_problems
from tests.faults.probes import is_unavailable_problem


def test_a_status_chain_must_start_at_the_first_state_and_end_at_the_current_one():
    chain = [{"from": "iniciado", "to": "en_revision"}, {"from": "en_revision", "to": "aprobado"}]
    assert _chain_problems(chain, "iniciado", "aprobado") == 0
    assert _chain_problems(chain, "iniciado", "archivado") == 1  # a change without its event
    assert _chain_problems([*chain, chain[-1]], "iniciado", "aprobado") == 1  # an event twice
    assert _chain_problems([], "iniciado", "iniciado") == 0


def test_only_a_503_problem_named_service_unavailable_counts_as_the_outage_answer():
    problem = {"code": "service_unavailable", "status": 503}
    assert is_unavailable_problem((503, "application/problem+json", problem))
    assert not is_unavailable_problem((503, "text/html", problem))
    assert not is_unavailable_problem((500, "application/problem+json", {"code": "server_error"}))
    assert not is_unavailable_problem((0, "ConnectionRefusedError", None))
