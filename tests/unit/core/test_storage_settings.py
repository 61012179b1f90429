"""STORAGE_BACKEND and the AWS_* variables become STORAGES["default"]."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_settings


@pytest.mark.parametrize("environ", [{}, {"STORAGE_BACKEND": ""}, {"STORAGE_BACKEND": "FileSystem"}])
def test_the_filesystem_is_the_default(environ):
    assert default_storage_settings(environ) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_reads_the_aws_variables():
    storage = default_storage_settings(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_STORAGE_BUCKET_NAME": "docs",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_S3_REGION_NAME": "eu-west-1",
            "AWS_LOCATION": "prod",
        }
    )
    assert storage["BACKEND"] == "core.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["endpoint_url"], options["bucket_name"], options["location"]) == (
        "http://minio:9000",
        "docs",
        "prod",
    )
    assert (options["access_key"], options["secret_key"], options["region_name"]) == ("key", "secret", "eu-west-1")
    assert options["default_acl"] is None  # private objects
    assert options["file_overwrite"] is True  # server-generated names: no HEAD before each save


def test_s3_without_keys_leaves_them_to_boto3():
    options = default_storage_settings({"STORAGE_BACKEND": "s3"})["OPTIONS"]
    assert (options["access_key"], options["secret_key"], options["endpoint_url"]) == (None, None, None)
    assert options["bucket_name"] == "expedientes"


@pytest.mark.parametrize(
    "environ", [{"STORAGE_BACKEND": "gcs"}, {"STORAGE_BACKEND": "s3", "AWS_QUERYSTRING_EXPIRE": "soon"}]
)
def test_a_wrong_value_refuses_to_start(environ):
    with pytest.raises(ImproperlyConfigured):
        default_storage_settings(environ)


def test_s3_sessions_share_one_data_loader_and_keep_their_own_keys():
    """Each thread's session of each S3 storage parses botocore's models once per process, not once each."""
    from core.s3 import S3Storage

    first = S3Storage(bucket_name="a", access_key="key-a", secret_key="secret-a", endpoint_url="http://127.0.0.1:9")
    second = S3Storage(bucket_name="b", access_key="key-b", secret_key="secret-b", endpoint_url="http://127.0.0.1:9")
    sessions = [first._create_session(), second._create_session(), second._create_session()]
    loaders = {id(session._session.get_component("data_loader")) for session in sessions}
    assert len(loaders) == 1
    paths = sessions[0]._session.get_component("data_loader").search_paths
    assert len(paths) == len(set(paths))  # boto3's data folder appended once, not once per session
    keys = [session.get_credentials().access_key for session in sessions]
    assert keys == ["key-a", "key-b", "key-b"]
    client = sessions[2].client("s3", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9")
    assert client.meta.service_model.service_name == "s3"
