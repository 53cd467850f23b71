"""One torch thread for these suites: on a busy 2-core machine small batches run 10-20x faster."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="package", autouse=True)
def one_torch_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
