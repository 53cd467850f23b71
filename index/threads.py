"""One BLAS thread while a single question runs its small matrix products.

OpenBLAS hands every product to a thread per core. A question's products are small (the
encoder's layers for one sentence, 8000 lexicon cosines), so on a shared 2-core machine the
threads mostly wait for each other: measured, the lexicon match took 13 ms with them and 2 ms
on one. Batches (rebuild, add) keep every thread. The encoder's vectors come out bit for bit
the same; a lexicon cosine may differ in its last float32 bit (OpenBLAS tiles the product by
thread count), far below the 3 decimals lexicon weights are rounded to.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

_lock = threading.Lock()
_state: dict = {"controller": None, "depth": 0, "limit": None}


@contextmanager
def one_blas_thread():
    """BLAS limited to one thread inside; nested and concurrent uses restore it once, at the end.

    The libraries are those loaded at the first use (numpy's BLAS, which the encoder and the
    lexicon use, always is): looking again costs 10 ms, more than the limit saves."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # the limit is an optimisation: without the library, run as before
        yield
        return
    with _lock:
        if _state["controller"] is None:
            _state["controller"] = ThreadpoolController()
        if _state["depth"] == 0:
            _state["limit"] = _state["controller"].limit(limits=1, user_api="blas")
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                _state["limit"].restore_original_limits()
                _state["limit"] = None
