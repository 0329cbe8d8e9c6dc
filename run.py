"""Start tcloud on its embedded defaults: the same as `tcloud serve`."""

import sys

from tcloud.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
