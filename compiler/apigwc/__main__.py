"""`python -m apigwc` runs the CLI."""

from apigwc.cli import main

if __name__ == "__main__":
    main()
