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
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
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
