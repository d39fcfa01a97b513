"""One Dask LocalCluster (2 worker processes) per test session, shared by tests/test_scale_*.py.

The scale tests are marked ``xdist_group("dask")`` so that pytest-xdist runs them all in one
worker process, where this module-level cache gives them the same cluster.
"""

from __future__ import annotations

import atexit
from functools import lru_cache


@lru_cache(maxsize=1)
def local_client():
    """A ``distributed.Client`` to a LocalCluster of 2 single-threaded worker processes."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)

    def _close() -> None:
        client.close()
        cluster.close()

    atexit.register(_close)
    return client
