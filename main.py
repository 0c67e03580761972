"""Convodesk: `python main.py [--server URL] [LINK]` opens the window; `python main.py export …`
exports CSV. The same as the installed `convodesk` command (ui/launcher.py)."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
