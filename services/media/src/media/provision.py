"""Create the media bucket (idempotent): `python -m media.provision`."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from media.settings import MediaSettings
from service_runtime.settings import load_settings


def provision(s3: Any, bucket: str, *, retention_days: int = 365) -> None:
    """The bucket, private, unless it exists; customers' media expire after `retention_days`."""
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "feedback-media-retention",
                    "Filter": {"Prefix": "feedback-media/"},
                    "Status": "Enabled",
                    "Expiration": {"Days": retention_days},
                }
            ]
        },
    )


def main() -> None:
    """Provision with the service's settings."""
    settings = load_settings(MediaSettings)
    s3 = boto3.client("s3", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    provision(s3, settings.s3_bucket_name, retention_days=settings.media_retention_days)


if __name__ == "__main__":
    main()
