"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, a cloud's object storage), shared by every host.

Keys are object names under an optional prefix. Large uploads go up in
parts (boto3's managed transfer), so a 20 MB file is never held in memory;
downloads are handed to the browser as presigned GET URLs that expire in a
minute and carry the file's name and type. Code that needs a file on disk
(the typesetter reading pictures) gets a copy cached on this host.
"""
from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.storage.base import CHUNK_SIZE, Source, StoreUnavailable, check_key, check_prefix

_MISSING = {"404", "NoSuchKey", "NotFound"}
_TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)


def content_disposition(download_name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (Chinese) one in RFC 5987 form."""
    fallback = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode()
    fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\') or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name, safe='')}"


class S3Store:
    """A ``FileStore`` in one bucket; ``cache_dir`` holds the local copies ``local_path`` hands out."""

    def __init__(self, *, bucket: str, cache_dir: Path, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 url_expiry: int = 60) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache_dir = Path(cache_dir)
        self.url_expiry = url_expiry
        # Path-style addressing for a named endpoint: MinIO and most self-hosted servers have no
        # wildcard DNS for bucket subdomains. Credentials left None fall back to boto3's own chain
        # (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role).
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region or "us-east-1",
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"},
                          s3={"addressing_style": "path" if endpoint_url else "auto"}),
        )

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, source: Source) -> int:
        name = self._name(key)
        try:
            return self._put(key, name, source)
        except (Boto3Error, BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"cannot store {key}: {error}") from error

    def _put(self, key: str, name: str, source: Source) -> int:
        if isinstance(source, bytes | bytearray):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(source))
            return len(source)
        if isinstance(source, Path):
            self.client.upload_file(str(source), self.bucket, name, Config=_TRANSFER)
        else:
            self.client.upload_fileobj(source, self.bucket, name, Config=_TRANSFER)
        return self.size(key)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except (Boto3Error, BotoCoreError, ClientError) as error:
            raise _translated(error, key) from error

    def read(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        body = self.open(key)
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except (Boto3Error, BotoCoreError, ClientError) as error:
            if isinstance(error, ClientError) and _code(error) in _MISSING:
                return None
            raise _translated(error, key) from error

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> bool:
        existed = self.exists(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (Boto3Error, BotoCoreError, ClientError) as error:
            raise _translated(error, key) from error
        return existed

    def list(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        keys = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                              Prefix=self.prefix + prefix):
                keys += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        except (Boto3Error, BotoCoreError, ClientError) as error:
            raise _translated(error, prefix) from error
        return iter(sorted(keys))

    def local_path(self, key: str) -> Path:
        cached = self.cache_dir.joinpath(*check_key(key).split("/"))
        if cached.is_file():
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(dir=cached.parent, prefix=".get-")
        try:
            with os.fdopen(descriptor, "wb") as temp_file:
                self.client.download_fileobj(self.bucket, self._name(key), temp_file, Config=_TRANSFER)
            os.replace(temp_name, cached)
        except (Boto3Error, BotoCoreError, ClientError) as error:
            translated = _translated(error, key)
            if not isinstance(translated, FileNotFoundError):
                raise translated from error
        finally:
            Path(temp_name).unlink(missing_ok=True)
        return cached

    def download_url(self, key: str, *, download_name: str, mimetype: str) -> str | None:
        return self.client.generate_presigned_url("get_object", ExpiresIn=self.url_expiry, Params={
            "Bucket": self.bucket, "Key": self._name(key),
            "ResponseContentDisposition": content_disposition(download_name),
            "ResponseContentType": mimetype,
            "ResponseCacheControl": "private, no-store",
        })


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _translated(error: Exception, key: str) -> OSError:
    if isinstance(error, ClientError) and _code(error) in _MISSING:
        return FileNotFoundError(key)
    return StoreUnavailable(f"object storage failed on {key}: {error}")
