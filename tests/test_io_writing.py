"""Atomic writers: the target never exists half-written; inputs are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.io.writing import (
    atomic_path,
    check_not_input,
    protect_inputs,
    release_inputs,
    write_bytes_atomic,
    write_csv_atomic,
    write_parquet_atomic,
    write_text_atomic,
)


def test_writers_write_complete_files(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "ä"]})
    assert (
        write_csv_atomic(df, tmp_path / "out" / "t.csv").read_text(encoding="utf-8")
        == "a,b\n1,x\n2,ä\n"
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(write_parquet_atomic(df, tmp_path / "t.parquet")), df
    )
    assert write_text_atomic("hallo\n", tmp_path / "t.txt").read_text(encoding="utf-8") == "hallo\n"
    assert write_bytes_atomic(b"\x00\x01", tmp_path / "t.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.bin", "t.parquet", "t.txt"]


def test_a_failing_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old\n", encoding="utf-8")

    class Boom(Exception):
        pass

    class Exploding:
        def to_csv(self, path, **kwargs) -> None:
            Path(path).write_text("half", encoding="utf-8")
            raise Boom

    with pytest.raises(Boom):
        write_csv_atomic(Exploding(), target)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_target_is_never_half_written(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("partial", encoding="utf-8")
        assert not target.exists()  # nothing visible until the block succeeds
        assert tmp.parent == tmp.parent  # same directory: os.replace is atomic
        assert tmp.parent == target.parent
    assert target.read_text(encoding="utf-8") == "partial"


def test_overwrite_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("a", encoding="utf-8")
    target.chmod(0o600)
    write_text_atomic("b", target)
    assert target.stat().st_mode & 0o777 == 0o600


def test_refuses_to_write_over_registered_inputs(tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_text("keep\n", encoding="utf-8")
    protect_inputs([src], workspace=tmp_path)
    try:
        with pytest.raises(UsageError, match="input file of the workspace"):
            write_text_atomic("x", src)
        with pytest.raises(UsageError):
            write_csv_atomic(pd.DataFrame({"a": [1]}), tmp_path / "." / "events.csv")
        link = tmp_path / "alias.csv"
        link.symlink_to(src)
        with pytest.raises(UsageError):
            write_text_atomic("x", link)
        assert src.read_text(encoding="utf-8") == "keep\n"
    finally:
        release_inputs([src])
    write_text_atomic("now allowed\n", src)
    assert src.read_text(encoding="utf-8") == "now allowed\n"


def test_explicit_inputs(tmp_path: Path) -> None:
    src = tmp_path / "feedback.csv"
    src.write_text("x\n", encoding="utf-8")
    with pytest.raises(UsageError):
        check_not_input(src, inputs=[src])
    with pytest.raises(UsageError):
        write_bytes_atomic(b"", src, inputs=src)
    check_not_input(tmp_path / "other.csv", inputs=[src])  # no error
