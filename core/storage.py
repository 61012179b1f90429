"""Stored files (documentos) in the configured storage: the filesystem or an S3-compatible bucket.

Two rules for every backend:

- **No orphan objects.** :func:`save_until_rollback` stores the bytes and registers the inverse of
  an ``on_commit`` hook: Django keeps ``on_commit`` callbacks until the outermost transaction commits
  and drops them when the transaction (or the savepoint they were registered in) rolls back, when
  the commit itself fails, or when the connection is closed mid-transaction. The callback
  registered here carries a finalizer that deletes the stored object when the callback is dropped
  without having run. So the object survives exactly when the rows naming it commit, whichever
  transaction level fails. One case drops callbacks after a successful commit: an earlier
  callback that raises stops the rest; the connection is then still running its commit hooks, and
  the object (whose rows did commit) is kept.
- **Downloads stream.** :func:`attachment` answers the stored bytes chunk by chunk; an S3 object is
  read from the bucket's response body as it is sent, never downloaded whole first.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse

logger = logging.getLogger(__name__)


def _delete_unless_committing(storage: Storage, name: str, using: str | None) -> None:
    # Django raises this flag at a commit and lowers it once every commit hook has run: set here,
    # the hooks were cut short by an earlier one that raised, after a commit that did happen.
    if getattr(transaction.get_connection(using), "run_commit_hooks_on_set_autocommit_on", False):
        logger.warning("kept %s: its transaction committed but a commit hook before ours failed", name)
        return
    try:
        storage.delete(name)
    except Exception:  # a finalizer must not raise; the object is reported for a manual cleanup
        logger.exception("could not delete %s after a rollback; remove it by hand", name)


def delete_unless_committed(storage: Storage, name: str, *, using: str | None = None) -> Callable[[], None]:
    """Delete ``name`` from ``storage`` unless the current transaction commits (outside one: keep it)."""
    finalizer: weakref.finalize[Any, Any]

    def committed() -> None:
        finalizer.detach()

    finalizer = weakref.finalize(committed, _delete_unless_committing, storage, name, using)
    transaction.on_commit(committed, using=using, robust=True)
    return committed


def save_until_rollback(storage: Storage, name: str, content: IO[bytes], *, using: str | None = None) -> str:
    """Store ``content`` under ``name`` (or the free name the storage picks) for the current transaction.

    Call it inside ``transaction.atomic()``, before taking row locks (an upload may take a while):
    the object is deleted again if that transaction rolls back or fails to commit.
    """
    stored = storage.save(name, File(content))
    delete_unless_committed(storage, stored, using=using)
    return stored


def open_stream(storage: Storage, name: str) -> IO[bytes]:
    """The stored bytes as a file object read as it goes (an S3 object's body, not a local copy).

    ``FileNotFoundError`` when the object is missing, whatever the backend.
    """
    bucket_name = getattr(storage, "bucket_name", None)
    connection = getattr(storage, "connection", None)
    if bucket_name and connection is not None:  # django-storages' S3Storage
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(name))  # type: ignore[attr-defined] # the location prefix
        try:
            body: IO[bytes] = connection.meta.client.get_object(Bucket=bucket_name, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from exc
            raise
        return body
    return storage.open(name, "rb")


def attachment(
    storage: Storage, name: str | None, *, filename: str, content_type: str | None, size: int | None
) -> FileResponse:
    """A streamed ``attachment`` response with the stored bytes, never sniffed by the browser.

    ``FileNotFoundError`` when there is no stored object.
    """
    if not name:
        raise FileNotFoundError("no stored file")
    response = FileResponse(
        open_stream(storage, name),
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    if "Content-Length" not in response and size is not None:
        response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
