"""The same behaviour from both backends: local folders and S3 (moto on loopback)."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from app.storage import InvalidKey, store_from_config
from app.storage.local import LocalStore


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    config = {"UPLOAD_DIR": tmp_path / "uploads", "EDITIONS_DIR": tmp_path / "editions"}
    if request.param == "s3":
        config.update(request.getfixturevalue("s3_settings"))
    return store_from_config(config)


def test_put_then_read_exists_size_and_delete(store):
    assert not store.exists("uploads/ab/cd/one")
    assert store.put("uploads/ab/cd/one", b"first") == 5
    assert (store.exists("uploads/ab/cd/one"), store.size("uploads/ab/cd/one")) == (True, 5)
    assert store.read("uploads/ab/cd/one") == b"first"
    with store.open("uploads/ab/cd/one") as stream:
        assert stream.read() == b"first"
    assert store.delete("uploads/ab/cd/one") is True
    assert store.exists("uploads/ab/cd/one") is False
    assert store.delete("uploads/ab/cd/one") is False


def test_put_replaces_what_was_there(store):
    store.put("editions/book.pdf", b"old edition")
    store.put("editions/book.pdf", io.BytesIO(b"new"))
    assert store.read("editions/book.pdf") == b"new"
    assert list(store.list("editions/")) == ["editions/book.pdf"]


def test_a_local_file_is_stored_from_its_path(store, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00\x01" * 1000)
    assert store.put("uploads/from-path", source) == 2000
    assert store.read("uploads/from-path") == source.read_bytes()


def test_a_missing_file_is_file_not_found(store):
    for operation in (store.read, store.size, store.open):
        with pytest.raises(FileNotFoundError):
            operation("uploads/no/such/file")
    assert not store.local_path("uploads/no/such/file").is_file()


def test_list_is_sorted_and_keeps_to_its_prefix(store):
    for key in ("uploads/b/2", "uploads/a/1", "editions/x.pdf", "editions/archives/z.zip", "uploads/a/10"):
        store.put(key, key.encode())
    assert list(store.list("uploads/")) == ["uploads/a/1", "uploads/a/10", "uploads/b/2"]
    assert list(store.list("uploads/a/")) == ["uploads/a/1", "uploads/a/10"]
    assert list(store.list("editions/archives/")) == ["editions/archives/z.zip"]
    assert len(list(store.list())) == 5
    assert list(store.list("uploads/c/")) == []


def test_chinese_names_round_trip(store):
    key = "editions/archives/蓝天保卫战 第1期（定稿）.zip"
    store.put(key, "汇编".encode())
    assert store.read(key) == "汇编".encode()
    assert list(store.list("editions/archives/")) == [key]
    assert store.local_path(key).read_bytes() == "汇编".encode()


def test_a_large_file_streams_in_chunks_and_arrives_whole(store, tmp_path):
    data = os.urandom(19 * 1024 * 1024)
    store.put("uploads/large", io.BufferedReader(io.BytesIO(data)))
    assert store.size("uploads/large") == len(data)
    digest, largest = hashlib.sha256(), 0
    for chunk in store.iter_chunks("uploads/large", 1024 * 1024):
        largest = max(largest, len(chunk))
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert largest <= 1024 * 1024
    assert store.local_path("uploads/large").read_bytes() == data


@pytest.mark.parametrize("key", [
    "../outside", "uploads/../../etc/passwd", "uploads/a/../../b", "/etc/passwd", "/uploads/a",
    "uploads/a\x00b", "uploads\\..\\x", "uploads//double", "uploads/./a", "", "uploads/a/", "a" * 1000,
])
def test_keys_that_could_escape_are_refused_before_any_io(store, key, tmp_path):
    for operation in (lambda: store.put(key, b"x"), lambda: store.read(key), lambda: store.exists(key),
                      lambda: store.delete(key), lambda: store.local_path(key),
                      lambda: store.download_url(key, download_name="x", mimetype="text/plain")):
        with pytest.raises(InvalidKey):
            operation()
    assert list(store.list()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["file-cache"], ["editions", "uploads"])


def test_a_listing_prefix_that_could_escape_is_refused(store):
    with pytest.raises(InvalidKey):
        list(store.list("../"))


def test_download_urls_only_from_object_storage(store):
    store.put("editions/书.pdf", b"%PDF-1.4")
    url = store.download_url("editions/书.pdf", download_name="汇编 第1期.pdf", mimetype="application/pdf")
    if isinstance(store, LocalStore):
        assert url is None
    else:
        assert "X-Amz-Expires=60" in url and "response-content-disposition=attachment" in url


def test_local_keys_land_exactly_where_files_always_were(tmp_path):
    store = store_from_config({"UPLOAD_DIR": tmp_path / "u", "EDITIONS_DIR": tmp_path / "e"})
    sha = "ab" * 32
    store.put(f"uploads/ab/ab/{sha}", b"x")
    store.put("editions/archives/a.zip", b"z")
    assert (tmp_path / "u" / "ab" / "ab" / sha).read_bytes() == b"x"
    assert (tmp_path / "e" / "archives" / "a.zip").read_bytes() == b"z"
    with pytest.raises(InvalidKey):
        store.put("elsewhere/x", b"x")


def test_the_environment_chooses_the_backend(tmp_path):
    from app.config import load_config
    from app.storage.s3 import S3Store

    base = {"SECRET_KEY": "x" * 40, "HUIBIAN_INSTANCE": str(tmp_path)}
    assert isinstance(store_from_config(load_config(base)), LocalStore)
    config = load_config({**base, "HUIBIAN_S3_BUCKET": "huibian", "HUIBIAN_S3_ENDPOINT_URL": "http://127.0.0.1:9",
                          "HUIBIAN_S3_PREFIX": "prod/", "HUIBIAN_S3_ACCESS_KEY_ID": "key",
                          "HUIBIAN_S3_SECRET_ACCESS_KEY": "secret", "HUIBIAN_S3_URL_EXPIRY_SECONDS": "30"})
    store = store_from_config(config)
    assert isinstance(store, S3Store) and (store.bucket, store.prefix, store.url_expiry) == ("huibian", "prod/", 30)
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert config["FILE_CACHE_DIR"] == tmp_path / "file-cache"


def test_a_prefix_keeps_an_instance_to_its_folder_of_the_bucket(s3_settings):
    shared = store_from_config({**s3_settings, "S3_PREFIX": ""})
    ours = store_from_config({**s3_settings, "S3_PREFIX": "ours/"})
    ours.put("uploads/a", b"ours")
    shared.put("uploads/a", b"someone else's")
    assert ours.read("uploads/a") == b"ours" and list(ours.list()) == ["uploads/a"]
    assert list(shared.list()) == ["ours/uploads/a", "uploads/a"]
