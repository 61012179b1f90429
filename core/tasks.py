from celery import shared_task

from core.idempotency import purge_expired


@shared_task(name="core.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return purge_expired()
