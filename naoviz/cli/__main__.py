import sys

from naoviz.cli import main

sys.exit(main())
