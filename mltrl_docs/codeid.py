"""What names the code that produced a cached result: the package's own source and the libraries it reads with.

A cache entry whose meaning depends on the code (the findings of the rules, a document found valid under
the models) is filed under this digest too, so that a change of code, even within a version, never reuses it.
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path

import markdown_it
import pydantic_core
import yaml

from . import __version__


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A hash of the package's Python source and of the versions of Python and of the libraries whose work
    the cached results carry (validation messages, sections): a rule or a model that changes, even within a
    version, is applied anew."""
    package = Path(__file__).parent
    versions = (__version__, sys.version, pydantic_core.__version__, markdown_it.__version__, yaml.__version__)
    digest = hashlib.blake2b("\0".join(versions).encode(), digest_size=20)
    for file in sorted(package.rglob("*.py")):
        digest.update(file.relative_to(package).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.digest()
