"""Where the third-party corpus lies (../shared/corpus, next to the repository). It is read in
place, never copied; without it these tests skip, as the corpus README requires."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "shared/corpus"


def corpus_dir(kind: str) -> Path:
    """The folder of one kind ("gift", "moodlexml", "scorm"); it may not exist."""
    return ROOT / kind


def corpus_file(kind: str, name: str) -> Path:
    path = corpus_dir(kind) / name
    if not path.is_file():
        pytest.skip(f"{kind} corpus not available ({path})")
    return path


def corpus_required(kind: str) -> Path:
    folder = corpus_dir(kind)
    if not folder.is_dir():
        pytest.skip(f"{kind} corpus not available ({folder})")
    return folder
