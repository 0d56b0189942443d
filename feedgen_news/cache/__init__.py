"""The record cache (SQLite): storage, its codec, and the one evaluator of feed definitions."""

from .answers import CountedFeed, Counts, StoredFeed, Summary
from .codec import ParsedFile, Rows, decode_record, encode_record, prepare
from .evaluate import Evaluator
from .guard import CacheDamaged
from .pieces import PackedPieces, PieceStore
from .storage import RecordCache, cache_file, open_cache

__all__ = [
    "CacheDamaged",
    "CountedFeed",
    "Counts",
    "Evaluator",
    "PackedPieces",
    "ParsedFile",
    "PieceStore",
    "RecordCache",
    "Rows",
    "StoredFeed",
    "Summary",
    "cache_file",
    "decode_record",
    "encode_record",
    "open_cache",
    "prepare",
]
