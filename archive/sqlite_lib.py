"""sqlite-utils, imported without pandas: a command that lists reports need not load a data frame library.

sqlite-utils imports pandas whenever it is installed (Streamlit installs it) only to map pandas
timestamps to TEXT columns; the archive never stores one. Hiding pandas during that one import
saves about half a second per command. A process that already imported pandas keeps it.
"""

from __future__ import annotations

import sys

if "pandas" in sys.modules:
    import sqlite_utils
else:
    sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` raises ImportError
    try:
        import sqlite_utils
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]

__all__ = ["sqlite_utils"]
