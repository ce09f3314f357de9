"""`python -m assistant`: the same command line as the installed `assistant` script."""

from assistant.cli import main

main()
