#!/usr/bin/env python3
"""Word count reducer for the streaming plugin (stream.so).

Reads "WORD<TAB>COUNT" lines sorted by word and writes "WORD TOTAL" for each
word: the lines wc.so writes.  Standard library only.
"""
import sys


def main():
    # Block-buffered whatever PYTHONUNBUFFERED says: a write per line is slow.
    with open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False) as out:
        key, total = None, 0
        for line in sys.stdin.buffer:
            word, _, count = line.rstrip(b"\n").partition(b"\t")
            if word != key:
                if key is not None:
                    out.write(b"%s %d\n" % (key, total))
                key, total = word, 0
            total += int(count)
        if key is not None:
            out.write(b"%s %d\n" % (key, total))


if __name__ == "__main__":
    main()
