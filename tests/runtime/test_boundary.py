"""The runtime ships alone: importing it loads nothing of the server."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import tcloud.runtime
loaded = [m for m in sys.modules
          if m.split('.')[0] == 'aiohttp' or m.startswith('tcloud.')
          and not m.startswith('tcloud.runtime')]
print(','.join(loaded))
"""


def test_importing_the_runtime_loads_no_server_module():
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == ""
