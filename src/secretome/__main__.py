"""``python -m secretome``: the same command as ``secretome``."""

from secretome.cli import run

if __name__ == "__main__":
    run()
