"""Column operations the pipeline does on Arrow data, vectorised.

Strings of few distinct values travel as dictionaries (codes into a list of values) wherever that
saves copying or hashing them again; these helpers move between the two forms. Nothing here looks
at rows one by one except where a handful of candidate cells are confirmed (``formula_masks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from svduty.datasets.validation import looks_like_formula

_FORMULA_BYTES = np.array([ord(c) for c in "=+-@\t\r"], dtype=np.uint8)


def codes_of(array: Any) -> tuple[np.ndarray, pa.Array]:
    """(code of each row, the distinct values): a missing value gets code ``len(values)``."""
    if isinstance(array, pa.ChunkedArray):
        if pa.types.is_dictionary(array.type):
            encoded = array.unify_dictionaries()
        else:
            encoded = pc.dictionary_encode(array)
            encoded = encoded.unify_dictionaries()
        chunks = encoded.chunks
        if not chunks:
            return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
        dictionary = chunks[0].dictionary
        indices = [c.indices for c in chunks]
    else:
        encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
        dictionary = encoded.dictionary
        indices = [encoded.indices]
    missing = len(dictionary)
    codes = np.concatenate(
        [np.asarray(pc.fill_null(i, missing).to_numpy(), dtype=np.int64) for i in indices]
    )
    return codes, dictionary


def recoded(codes: np.ndarray, values: list[Any]) -> pa.Array:
    """A dictionary column giving each row ``values[code]`` (None where that is None)."""
    distinct = sorted({v for v in values if v is not None})
    position = {v: i for i, v in enumerate(distinct)}
    mapping = np.array([position.get(v, -1) if v is not None else -1 for v in values], np.int32)
    indices = mapping[codes]
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int32(), mask=indices < 0), pa.array(distinct, pa.string())
    )


def combined(batches: list[pa.RecordBatch]) -> pa.Table:
    """Batches as one table, without copying."""
    return pa.Table.from_batches(batches)


def formula_masks(cols: dict[str, Any], names: Sequence[str]) -> dict[str, np.ndarray]:
    """For each text column with formula-looking cells, which rows hold one.

    The first byte of every cell is read straight from the Arrow buffers (no per-row Python);
    only the few cells starting with =, +, -, @, tab or CR are then looked at one by one, to let
    plain numbers such as -0.1 through.
    """
    found: dict[str, np.ndarray] = {}
    for name in names:
        array = cols.get(name)
        if array is None or array.null_count == len(array) or not len(array):
            continue
        if pa.types.is_dictionary(array.type):
            codes, dictionary = codes_of(array)
            hits = np.array(
                [looks_like_formula(v) for v in [*dictionary.to_pylist(), None]], dtype=bool
            )
            if hits.any():
                found[name] = hits[codes]
            continue
        first = first_bytes(array)
        candidates = np.flatnonzero(np.isin(first, _FORMULA_BYTES))
        if not len(candidates):
            continue
        mask = np.zeros(len(array), dtype=bool)
        for j in candidates:
            mask[j] = looks_like_formula(array[int(j)].as_py())
        if mask.any():
            found[name] = mask
    return found


def first_bytes(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The first byte of each string (0 for empty or null), read from the Arrow buffers."""
    if isinstance(array, pa.ChunkedArray):
        if not array.num_chunks:
            return np.zeros(0, dtype=np.uint8)
        return np.concatenate([first_bytes(chunk) for chunk in array.chunks])
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    _, offsets_buffer, data_buffer = array.buffers()
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets: np.ndarray = np.frombuffer(offsets_buffer, dtype=width).astype(np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    if data_buffer is None or not data_buffer.size:
        return np.zeros(len(array), dtype=np.uint8)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    first = data[np.minimum(starts, len(data) - 1)]
    return np.where(lengths > 0, first, 0).astype(np.uint8)


def neutralised(array: pa.Array | pa.ChunkedArray, mask: np.ndarray) -> pa.Array:
    """The column with a leading apostrophe on the masked cells."""
    values = array.to_pylist()
    for j in np.flatnonzero(mask):
        values[int(j)] = "'" + values[int(j)]
    return pa.array(values, array.type)


def constant(value: str, n: int) -> pa.Array:
    """A string column holding one value (as a dictionary: nothing to copy or hash)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
    )


def dictionary(indices: Any, dictionary: pa.Array) -> pa.ChunkedArray:
    """Dictionary-encoded column from int32 indices (chunked or not)."""
    chunks = indices.chunks if isinstance(indices, pa.ChunkedArray) else [indices]
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(c.cast(pa.int32()), dictionary) for c in chunks],
        type=pa.dictionary(pa.int32(), dictionary.type),
    )


def fill_null(array: Any, value: str) -> Any:
    """``array`` with nulls replaced by ``value``; dictionaries stay dictionaries."""
    if not pa.types.is_dictionary(array.type):
        return pc.fill_null(array, value)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    out = []
    for chunk in chunks:
        dictionary = chunk.dictionary
        values = dictionary.to_pylist()
        if value not in values:
            dictionary = pa.concat_arrays([dictionary, pa.array([value], dictionary.type)])
            values.append(value)
        indices = pc.fill_null(chunk.indices, values.index(value))
        out.append(pa.DictionaryArray.from_arrays(indices, dictionary))
    return pa.chunked_array(out, type=array.type)


def conform(array: Any, target: pa.DataType) -> Any:
    """A column in the type it is written with."""
    if array.type == target:
        return array
    if pa.types.is_dictionary(target):
        if pa.types.is_dictionary(array.type):
            return array.cast(target)
        return pc.dictionary_encode(array).cast(target)
    if pa.types.is_dictionary(array.type):
        return array.cast(target)
    return array.cast(target)


def normalised_text(array: Any) -> Any:
    """Free text in the form in which equal descriptions are counted: lower case, every run of
    white space one space, trimmed (nulls stay null)."""
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    text = pc.utf8_lower(array)
    text = pc.replace_substring_regex(text, pattern=r"\s+", replacement=" ")
    return pc.utf8_trim_whitespace(text)


def text_counts(array: Any) -> pa.Table:
    """How many rows hold each non-null normalised text: a table of ``text`` and ``rows``."""
    counts = pc.value_counts(pc.drop_null(normalised_text(array)))
    return pa.table(
        {"text": counts.field("values"), "rows": counts.field("counts").cast(pa.int64())}
    )


def texts_of_at_least(counts: list[pa.Table], rows: int) -> tuple[pa.Array, bool]:
    """The texts counted in ``rows`` rows or more over all ``counts`` (``text_counts``), and
    whether any text was counted fewer times."""
    if not counts:
        return pa.array([], pa.string()), False
    total = pa.concat_tables(counts).group_by("text").aggregate([("rows", "sum")])
    often = pc.greater_equal(total["rows_sum"], rows)
    return total["text"].filter(often).combine_chunks(), not pc.all(often).as_py()
