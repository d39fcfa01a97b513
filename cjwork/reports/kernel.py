"""Run report notebooks with the kernel of the environment cjwork runs in.

A registered kernelspec called ``python3`` may point anywhere (a user-level spec from
another Python shadows the virtual environment's one). :class:`CurrentEnvKernelManager`
ignores kernelspecs and always starts ``ipykernel`` with :data:`sys.executable`, so
``cjwork report`` works from any fresh venv without ``ipykernel install``.
"""

from __future__ import annotations

import sys

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager


def current_env_kernel_spec() -> KernelSpec:
    """A kernelspec for ``ipykernel`` in the running interpreter."""
    return KernelSpec(
        argv=[
            sys.executable,
            "-Xfrozen_modules=off",
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ],
        display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (cjwork)",
        language="python",
        metadata={},
        env={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )


class CurrentEnvKernelManager(AsyncKernelManager):
    """An async kernel manager whose kernel is always the running interpreter's ipykernel."""

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        """Always :func:`current_env_kernel_spec` (built once), never a registered kernelspec."""
        if self._kernel_spec is None:
            self._kernel_spec = current_env_kernel_spec()
        return self._kernel_spec
