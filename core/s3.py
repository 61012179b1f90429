"""The S3 storage of ``STORAGE_BACKEND=s3`` (its own module: a filesystem deployment never imports boto3)."""

from __future__ import annotations

import threading

import boto3
import botocore.loaders
import botocore.session
from storages.backends import s3

_loader_lock = threading.Lock()
_shared_loader: botocore.loaders.Loader | None = None


class S3Storage(s3.S3Storage):
    """django-storages' S3 storage whose boto3 sessions share one botocore data loader per process.

    django-storages opens a boto3 session per thread and storage instance, and each new session
    parses botocore's JSON models again (the S3 API, its resources, endpoints, partitions): about
    200 ms of CPU before the first request of every thread. The models are files of the installed
    packages that never change while the process runs, so every session reads them from one loader
    (its cache is a dict: a race loads a file twice, never a wrong one).
    """

    def _create_session(self) -> boto3.Session:
        global _shared_loader
        if self.session_profile:
            return super()._create_session()
        with _loader_lock:
            core = botocore.session.get_session()
            if _shared_loader is None:
                _shared_loader = core.get_component("data_loader")
            else:
                core.register_component("data_loader", _shared_loader)
            session = boto3.Session(
                aws_access_key_id=self.access_key,
                aws_secret_access_key=self.secret_key,
                aws_session_token=self.security_token,
                botocore_session=core,
            )
            # Each boto3 session appends its own data folder to the loader's search path: once is enough.
            paths = _shared_loader.search_paths
            paths[:] = list(dict.fromkeys(paths))
        return session
