"""Shared fixtures."""
import pytest
import torch


@pytest.fixture
def one_thread():
    """Tiny tensors gain nothing from threads, and on busy cores a second OpenMP thread waits for its
    partner at every op (seconds instead of milliseconds): modules of small-tensor tests run on one thread
    with `pytestmark = pytest.mark.usefixtures("one_thread")`."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
